//go:build !detgo

package sim

func active() bool { return false }

func setLink(latency, jitter int64) {}

func setBandwidth(bitsPerSecond int64) {}

func addNode(name string) int { return 0 }

func setPath(from, to, what int, blocked bool, latency int64, lossPPM uint64) {}

func setDup(from, to int, dupPPM uint64) {}

func heal() {}

func simRand() uint64 { return 0 }

func crash(id int) {}

func goOnNode(id int, f func()) bool { return false }

func clog(from, to int, d int64) {}
