// Module root marker for tests/talos. The builds never read this file:
// every build names its own requirements with -modfile, one per Talos
// line (mod/v1.1X.mod + .sum) and one for the ESO checker (mod/eso.mod),
// because the lines need different machinery versions. See run.sh.
module castellan/tests/talos

go 1.26
