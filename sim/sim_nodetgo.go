//go:build !detgo

package sim

func active() bool { return false }

func setLink(latency, jitter int64) {}
