package awsclient

import smithy "github.com/aws/smithy-go"

// OperationError wraps err, an error of operation op that happened before
// or after Do (validation, decoding), as Do wraps its own errors.
func (c *Client) OperationError(op string, err error) error {
	return &smithy.OperationError{ServiceID: c.svc.ID, OperationName: op, Err: err}
}
