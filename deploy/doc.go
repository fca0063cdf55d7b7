// Package deploy holds no code: its directory keeps the deployment files
// (systemd/, container/, kubernetes/), and its tests check them with real
// tools where the machine has them (systemd-analyze), and otherwise by
// parsing them and building and running the very binary they name.
package deploy
