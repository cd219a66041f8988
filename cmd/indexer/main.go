// Command indexer is Sparrow's batch CLI: tokenize, encode, train, build and
// export. Each subcommand lives in its own file and registers itself here, so
// this file only dispatches.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand. run gets the arguments after the subcommand name
// and returns an error that main prints; usage errors should say what to type.
type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

// register is called from init functions of the subcommand files.
func register(name, summary string, run func(args []string, stdin io.Reader, stdout, stderr io.Writer) error) {
	if _, dup := commands[name]; dup {
		panic("indexer: duplicate subcommand " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: indexer <command> [flags]")
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "run 'indexer <command> -h' for a command's flags")
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// dispatch is main without the process exit, so tests can drive it.
func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "indexer: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd.run(args[1:], stdin, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) { // -h/--help: the flag set printed the usage
			return 0
		}
		fmt.Fprintf(stderr, "indexer %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// newFlagSet is a subcommand's flag set: errors and -h print to w a usage
// line (synopsis follows "indexer ") and the flags; -h then exits 0.
func newFlagSet(name string, w io.Writer, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "usage: indexer %s\n\n%s\n\nflags:\n", synopsis, commands[name].summary)
		fs.PrintDefaults()
	}
	return fs
}
