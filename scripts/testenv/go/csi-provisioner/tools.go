//go:build tools

// Package tools pins the csi-provisioner command built for the test environment.
package tools

import _ "github.com/kubernetes-csi/external-provisioner/v5/cmd/csi-provisioner"
