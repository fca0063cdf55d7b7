//go:build !unix

package main

import "os"

// forwardedSignals are passed on to the command of `ssooidc exec`.
var forwardedSignals = []os.Signal{os.Interrupt}

// fromTerminal: a console's Ctrl-C reaches every process attached to it.
func fromTerminal(s os.Signal) bool { return s == os.Interrupt }

// exitStatus is the command's exit code.
func exitStatus(ps *os.ProcessState) int { return ps.ExitCode() }
