package sqlite

import "golang.org/x/sys/unix"

// lockCmd is an open-file-description lock: it conflicts with the POSIX
// locks SQLite takes even when they belong to this very process, so a
// store open in this process counts as in use too.
const lockCmd = unix.F_OFD_SETLK
