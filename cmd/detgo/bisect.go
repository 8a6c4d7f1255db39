package main

// detgo bisect: the command layer over package bisect, which does the work.

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/detgo/detgo/bisect"
	"github.com/detgo/detgo/toolchain"
)

// bisectCommand is detgo bisect (package bisect).
func bisectCommand() *cli.Command {
	return &cli.Command{
		Name:      "bisect",
		Usage:     "shrink a failing run's schedule to the few goroutine switches the failure needs",
		UsageText: "detgo bisect -seed=N [-sched=S] [-run=REGEXP] [-o FILE] [build/test flags] [package]\n   detgo bisect -tape=FILE [-o FILE] [build/test flags] [package]",
		// go test's flags pass through, as with detgo test.
		SkipFlagParsing:    true,
		CustomHelpTemplate: bisect.Help(),
		Action: func(c *cli.Context) error {
			code, err := bisect.Run(c.Context, c.Args().Slice(), bisect.Options{
				Ensure:       ensureToolchain,
				CacheRoot:    toolchain.CacheRoot,
				Surroundings: appSurroundings(c),
			})
			if errors.Is(err, bisect.ErrHelp) {
				fmt.Fprint(c.App.Writer, bisect.Help())
				return nil
			}
			if err != nil {
				return err
			}
			return exitStatus(code)
		},
	}
}
