//go:build tools

// Package tools pins the Pulumi CLI's main package so `go build` can build it from this module,
// with upstream's pkg/v3 and sdk/v3 at the same version (see docs/ENGINE.md).
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
