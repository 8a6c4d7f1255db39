module github.com/detgo/detgo

go 1.26

// runtime-shim holds std-package sources (package runtime, sync, ...) that only
// compile inside the patched GOROOT; examples hold deliberately buggy code;
// bench/workloads are what the benchmarks time. None belongs to ./... of this
// module.
ignore (
	./bench/workloads
	./examples
	./runtime-shim
)

require (
	github.com/bluekeyes/go-gitdiff v0.9.0
	github.com/rogpeppe/go-internal v1.16.0
	github.com/schollz/progressbar/v3 v3.19.1
	github.com/urfave/cli/v2 v2.27.7
	golang.org/x/term v0.44.0
)

require (
	github.com/cpuguy83/go-md2man/v2 v2.0.7 // indirect
	github.com/mitchellh/colorstring v0.0.0-20190213212951-d06e56a500db // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	github.com/russross/blackfriday/v2 v2.1.0 // indirect
	github.com/xrash/smetrics v0.0.0-20240521201337-686a1a2994c1 // indirect
	golang.org/x/sys v0.46.0 // indirect
	golang.org/x/tools v0.26.0 // indirect
)
