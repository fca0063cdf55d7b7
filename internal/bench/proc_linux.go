package bench

import "syscall"

// childAttr makes a child server die with the harness, whatever happens
// to the harness.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
