package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// adminFlags is the flag set of "admin group verb": its -h prints the
// lines of the admin usage about group, then the flags.
func adminFlags(group, verb string, stderr io.Writer) *flag.FlagSet {
	name := strings.TrimSpace("admin " + group + " " + verb)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintln(out, "Usage:")
		for _, line := range strings.Split(adminUsage, "\n") {
			if strings.Contains(line, "ssooidc admin "+group) {
				fmt.Fprintln(out, line)
			}
		}
		fmt.Fprintln(out, "Flags:")
		fs.PrintDefaults()
	}
	return fs
}
