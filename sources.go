// Package detgo carries the files detgo injects into the Go standard library:
// the per-version hook patches and the runtime-shim sources. The toolchain
// package renders them into an overlay; they are embedded so that an installed
// detgo binary needs nothing but itself and the host Go.
package detgo

import "embed"

// Sources holds patches/<goversion>/*.patch and runtime-shim/<std pkg>/*.
//
//go:embed patches runtime-shim
var Sources embed.FS
