// Package audit builds the events of the audit trail and writes them as
// JSON lines to the log. The events themselves are stored by the store in
// the transaction of the change they record (sso.WithEvent): a service
// builds the event with a Recorder and hands it to the one store write
// that makes the change, through Recorder.Do.
package audit
