// detgo: the fault stream, from which the sim package draws fault schedules
// (sim.RandomFaults, through syscall/detgo_nodes.go).
//
// It is its own stream, reseeded with the test's seed when a test starts
// (detgoNetTestStart calls detgoFaultsTestStart), so a test's fault schedule
// depends only on the seed and the test's name: not on the network traffic
// (jitter draws) of goroutines a previous test left running, nor on what
// the test draws from math/rand. A test run alone with -run draws the same
// schedule as in a full run.

package runtime

import _ "unsafe" // for go:linkname

const detgoStreamFaults = 0x666c74 // "flt": label of the fault stream

var detgoFaults struct {
	stream detgoStream
	seeded bool
}

func detgoFaultsTestStart(seed uint64) {
	detgoFaults.stream.init(seed, detgoStreamFaults)
	detgoFaults.seeded = true
}

//go:linkname syscall_detgoFaultRand syscall.detgoFaultRand
func syscall_detgoFaultRand() uint64 {
	if !detgoFaults.seeded {
		detgoFaultsTestStart(detgo.seed) // outside any test (TestMain, init)
	}
	return detgoFaults.stream.next()
}
