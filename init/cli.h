/* cli: the operator's host commands, in the same binary as PID 1.
 *
 *   castellan version
 *   castellan check USER-DATA
 *
 * Output goes to stdout, problems to stderr as one sentence each; the
 * exit status is 0 when all is well, 1 when the input is bad, 2 on usage.
 */
#ifndef CASTELLAN_CLI_H
#define CASTELLAN_CLI_H

int cli_main(int argc, char **argv);

#endif
