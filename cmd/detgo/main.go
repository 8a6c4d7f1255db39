// Command detgo runs Go tests deterministically: scheduling, time and
// randomness inside a test binary become a pure function of one seed.
//
//	detgo test [go test flags] [-seed N | -seeds SPEC] [-check] [-sched NAME] [packages] [-args ...]
//	detgo replay -seed N | -tape FILE [go test flags] [packages]
//	detgo swarm [-n N | -seeds SPEC] [-duration D] [-shard k/n] [go test flags] [packages]
//	detgo bisect -seed N | -tape FILE [go test flags] [package]
//	detgo toolchain show|build|verify|clean
//
// See 'detgo help test'. The command layer only parses; the work is done by
// packages gotest (driving go test) and toolchain (the patched runtime).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/detgo/detgo/gotest"
	"github.com/detgo/detgo/toolchain"
)

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// exitCode is returned by actions that end with a status other than 0
// without an error of detgo's own: a failing test.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// run runs detgo with args (args[0] is the program name) and returns the
// exit status: 0 success, 1 test failure, 2 any error of detgo's own.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if v := recover(); v != nil {
			// An internal error is still one line; the stack only on request.
			fmt.Fprintf(stderr, "detgo: internal error: %v (set DETGO_DEBUG=1 for the stack)\n", v)
			if os.Getenv("DETGO_DEBUG") != "" {
				stderr.Write(debug.Stack())
			}
			code = 2
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	notFound := ""
	app := newApp(stdout, stderr)
	app.CommandNotFound = func(c *cli.Context, name string) { notFound = name }
	err := app.RunContext(ctx, args)
	var ec exitCode
	switch {
	case notFound != "":
		fmt.Fprintf(stderr, "detgo %s: unknown command\nRun 'detgo help' for usage.\n", notFound)
		return 2
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return int(ec)
	}
	fmt.Fprintf(stderr, "detgo: %s\n", oneLine(err.Error()))
	return 2
}

// oneLine keeps detgo's errors to one line, as promised: the first line of
// a multi-line message from a tool.
func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:            "detgo",
		Usage:           "deterministic simulation testing for Go",
		UsageText:       "detgo <command> [arguments]",
		Description:     "detgo runs ordinary Go tests on a patched Go runtime in which scheduling, time, randomness and\nthe (simulated) network are a pure function of a seed, so that a failure replays exactly from its seed.",
		HideHelpCommand: false,
		Writer:          stdout,
		ErrWriter:       stderr,
		// Errors are printed by run, in detgo's one-line format.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return err
		},
		Commands: []*cli.Command{
			testCommand(),
			replayCommand(),
			swarmCommand(),
			bisectCommand(),
			execCommand(),
			toolchainCommand(),
		},
	}
	setUsageErrors("", app.Commands)
	return app
}

// setUsageErrors makes every command report a bad flag as one line, like the
// rest of detgo's errors, instead of cli's "Incorrect Usage" and a help page.
func setUsageErrors(parent string, cmds []*cli.Command) {
	for _, c := range cmds {
		name := strings.TrimPrefix(parent+" "+c.Name, " ")
		c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
			return fmt.Errorf("%s: %v", name, err)
		}
		setUsageErrors(name, c.Subcommands)
	}
}

// noArgs wraps the action of a command that takes no arguments.
func noArgs(action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if c.Args().Present() {
			return fmt.Errorf("%s: unexpected argument %q", strings.TrimPrefix(c.Command.HelpName, "detgo "), c.Args().First())
		}
		return action(c)
	}
}

func testCommand() *cli.Command {
	return &cli.Command{
		Name:      "test",
		Usage:     "run go tests under the deterministic runtime",
		UsageText: "detgo test [build/test flags] [packages] [-args test binary flags]",
		// Every go test flag works, so go test's flag rules apply, not cli's.
		SkipFlagParsing:    true,
		CustomHelpTemplate: gotest.Help(),
		Action: func(c *cli.Context) error {
			return runTest(c, c.Args().Slice(), "")
		},
	}
}

func replayCommand() *cli.Command {
	return &cli.Command{
		Name:      "replay",
		Usage:     "re-run a failing seed, or replay a recorded decision tape",
		UsageText: "detgo replay -tape=FILE [go test flags] [packages]\n   detgo replay -seed=N [go test flags] [packages]",
		Description: "With -tape, the tape's decisions drive the scheduler: as long as the program\n" +
			"makes the same decisions as when the tape was recorded, replay follows it;\n" +
			"after a code change it says at which decision the run left the tape and\n" +
			"continues from the tape's seed. detgo test prints a tape command for every\n" +
			"failing seed, detgo bisect one for the minimal tape of a failure. With -seed,\n" +
			"detgo replay is detgo test. -timeline=FILE draws the replayed run as a\n" +
			"Perfetto trace (see 'detgo help test').",
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			args, tape, err := gotest.ReplayArgs(c.Args().Slice())
			if err != nil {
				return err
			}
			if tape != "" {
				if tape, err = filepath.Abs(tape); err != nil {
					return err
				}
			}
			return runTest(c, args, tape)
		},
	}
}

// runTest runs detgo test with args, replaying tape if it is not empty.
func runTest(c *cli.Context, args []string, tape string) error {
	code, err := gotest.Test(c.Context, args, gotest.Options{
		Ensure:       ensureToolchain,
		CacheRoot:    toolchain.CacheRoot,
		Surroundings: appSurroundings(c),
		Tape:         tape,
	})
	if errors.Is(err, gotest.ErrHelp) {
		fmt.Fprint(c.App.Writer, gotest.Help())
		return nil
	}
	if err != nil {
		return err
	}
	return exitStatus(code)
}

// ensureToolchain renders or finds the patched toolchain for gotest, swarm
// and bisect.
func ensureToolchain(ctx context.Context) (gotest.Toolchain, error) {
	tc, err := toolchain.Ensure(ctx)
	if err != nil {
		return nil, err // not a nil *Toolchain inside the interface
	}
	return tc, nil
}

func execCommand() *cli.Command {
	return &cli.Command{
		Name:            "exec",
		Usage:           "run a test binary once per seed (go test -exec runs this for detgo test)",
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			code, err := gotest.Exec(c.Context, c.Args().Slice(), gotest.ExecOptions{Stdout: c.App.Writer})
			if err != nil {
				return err
			}
			return exitStatus(code)
		},
	}
}

func exitStatus(code int) error {
	if code == 0 {
		return nil
	}
	return exitCode(code)
}

func toolchainCommand() *cli.Command {
	return &cli.Command{
		Name:      "toolchain",
		Usage:     "show, build, verify or clean the cached patched toolchain",
		UsageText: "detgo toolchain <show|build|verify|clean>",
		Description: "detgo never modifies the installed Go. It renders patched copies of a few standard library\n" +
			"files into its cache and builds with 'go build -overlay'. The cache is $DETGO_CACHE, or\n" +
			"detgo/ in the user cache directory.",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return fmt.Errorf("toolchain %s: unknown command (want show, build, verify or clean)", c.Args().First())
			}
			return cli.ShowSubcommandHelp(c)
		},
		Subcommands: []*cli.Command{
			{
				Name:  "show",
				Usage: "print the host Go, the patch line and where the overlay is",
				Flags: []cli.Flag{&cli.BoolFlag{Name: "overlay", Usage: "print only the overlay file's path (for go build -overlay)"}},
				Action: noArgs(func(c *cli.Context) error {
					start := time.Now()
					tc, err := toolchain.Ensure(c.Context)
					if err != nil {
						return err
					}
					if c.Bool("overlay") {
						fmt.Fprintln(c.App.Writer, tc.Overlay)
						return nil
					}
					root, err := toolchain.CacheRoot()
					if err != nil {
						return err
					}
					rendered := "yes"
					// A rendered directory is never written after it appears, so
					// one made after we started was rendered by this call.
					if fi, err := os.Stat(tc.Dir); err == nil && !fi.ModTime().Before(start) {
						rendered = "yes (just now)"
					}
					w := c.App.Writer
					fmt.Fprintf(w, "GOROOT:    %s\n", tc.GOROOT)
					fmt.Fprintf(w, "version:   %s\n", tc.GoVersion)
					fmt.Fprintf(w, "patches:   %s (supported: %s)\n", tc.Line, strings.Join(toolchain.Supported(), ", "))
					fmt.Fprintf(w, "cache:     %s\n", root)
					fmt.Fprintf(w, "toolchain: %s\n", tc.Dir)
					fmt.Fprintf(w, "overlay:   %s\n", tc.Overlay)
					fmt.Fprintf(w, "rendered:  %s\n", rendered)
					return nil
				}),
			},
			{
				Name:  "build",
				Usage: "render the overlay and compile the patched standard library into the go build cache",
				Action: noArgs(func(c *cli.Context) error {
					tc, err := toolchain.Ensure(c.Context)
					if err != nil {
						return err
					}
					if err := tc.Prebuild(c.Context, c.App.Writer, c.App.ErrWriter); err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "detgo: toolchain for %s built: %s\n", tc.GoVersion, tc.Dir)
					return nil
				}),
			},
			{
				Name:  "verify",
				Usage: "check that builds really use the patched runtime",
				Action: noArgs(func(c *cli.Context) error {
					tc, err := toolchain.Ensure(c.Context)
					if err != nil {
						return err
					}
					if err := tc.Verify(c.Context); err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "detgo: toolchain for %s verified: %s\n", tc.GoVersion, tc.Dir)
					return nil
				}),
			},
			{
				Name:  "clean",
				Usage: "remove every rendered toolchain from the cache (not the go build cache)",
				Action: noArgs(func(c *cli.Context) error {
					return toolchain.Clean()
				}),
			},
		},
	}
}

// appSurroundings are the command's output streams; the rest is the process's own.
func appSurroundings(c *cli.Context) gotest.Surroundings {
	return gotest.Surroundings{Stdout: c.App.Writer, Stderr: c.App.ErrWriter}
}
