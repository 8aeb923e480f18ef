//go:build tools

// Package tools pins the kopia command.
package tools

import _ "github.com/kopia/kopia"
