//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package login

import "os"

// terminalSize is unknown here: the QR code is always shown.
func terminalSize(*os.File) (cols, rows int) { return 0, 0 }
