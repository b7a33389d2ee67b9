/* castellan: one binary, two lives. As PID 1 it is the appliance (run.c);
 * anywhere else it is the operator's host command (cli.c). */
#include "cli.h"
#include "run.h"

#include <unistd.h>

int main(int argc, char **argv)
{
	if (getpid() == 1)
		run_appliance();
	return cli_main(argc, argv);
}
