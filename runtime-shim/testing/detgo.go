// detgo: each test starts from its own point of the seed's streams.
//
// Under detgo a test's schedule and random values come from the seed. If they
// continued from wherever the previous test left the streams, a failing test
// would behave differently when replayed alone with -run, because the tests
// that ran before it would no longer consume their share. So tRunner tells the
// runtime when a test (or subtest) starts, and the runtime reseeds its streams
// from the seed and the test's full name. Outside detgo mode the call returns
// at once.

package testing

import _ "unsafe" // for go:linkname

// runtime_detgoTestStart is provided by the runtime (detgo_entropy.go).
//
//go:linkname runtime_detgoTestStart
func runtime_detgoTestStart(name string)
