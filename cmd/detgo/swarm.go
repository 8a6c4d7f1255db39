package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/detgo/detgo/swarm"
	"github.com/detgo/detgo/toolchain"
)

// swarmCommand is detgo swarm and detgo swarm merge (package swarm).
func swarmCommand() *cli.Command {
	return &cli.Command{
		Name:      "swarm",
		Usage:     "run many seeds in parallel processes, record every run, group the failures",
		UsageText: "detgo swarm [swarm flags] [build/test flags] [packages] [-args test binary flags]\n   detgo swarm merge [-o FILE] [-junit FILE] results.jsonl...",
		// go test's flags pass through, as with detgo test.
		SkipFlagParsing:    true,
		CustomHelpTemplate: swarm.Help(),
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			opts := swarm.Options{
				Ensure:       ensureToolchain,
				CacheRoot:    toolchain.CacheRoot,
				Surroundings: appSurroundings(c),
				Terminal:     c.App.ErrWriter == os.Stderr && term.IsTerminal(int(os.Stderr.Fd())),
			}
			var code int
			var err error
			if len(args) > 0 && args[0] == "merge" {
				code, err = swarm.Merge(c.Context, args[1:], opts)
			} else {
				code, err = swarm.Run(c.Context, args, opts)
			}
			if errors.Is(err, swarm.ErrHelp) {
				fmt.Fprint(c.App.Writer, swarm.Help())
				return nil
			}
			if err != nil {
				return err
			}
			return exitStatus(code)
		},
	}
}
