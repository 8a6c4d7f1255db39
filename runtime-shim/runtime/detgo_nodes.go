// detgo: goroutines that belong to simulated nodes, and node crashes.
//
// The simulated network (syscall/detgo_nodes.go, the sim package) has nodes,
// hosts with their own addresses. A goroutine started on a node
// (sim.Node.Go) belongs to it, and so does every goroutine it starts
// (detgoBorn, called by newproc): g.detgo.node holds the node's id and its
// incarnation, id<<16 | incarnation. When a node crashes (sim.Crash), its
// incarnation number moves on: the goroutines of the old incarnation never
// run again, as if their process died, and goroutines the test starts on
// the node afterwards (a restart) belong to the new one.
//
// A crashed node's goroutine is dropped when it would next be picked: while
// any node has crashed, detgoPick first takes every goroutine of a dead
// incarnation out of the run queue and parks it for good (waiting,
// "detgo: node crashed"). One blocked elsewhere is dropped when something
// readies it, so a message sent to it is lost like one sent to a dead
// process. The running goroutine, if it belongs to the crashed node, runs
// on until it next yields or blocks.
//
// Invariants: only the P owner changes incarnations and the run queue;
// goroutines created by the runtime (timers' AfterFunc callbacks, GC
// workers) belong to no node; the picks stay a function of the seed, since
// crashes happen at points the program chose.

package runtime

import _ "unsafe" // for go:linkname

// detgoNodeGen is each node's current incarnation (node ids are 1..254).
var detgoNodeGen [256]uint32

// detgoNodeCrashes counts crashes so far; zero keeps detgoPick's fast path.
var detgoNodeCrashes uint32

// detgoBorn makes newg, just created by parent, belong to parent's node. It
// also clears a reused g's label from its previous life.
func detgoBorn(newg, parent *g) {
	if !detgo.enabled {
		return
	}
	newg.detgo.node = 0
	if parent != nil {
		newg.detgo.node = parent.detgo.node
	}
}

// detgoNodeDead reports whether gp belongs to a crashed incarnation.
func detgoNodeDead(gp *g) bool {
	l := gp.detgo.node
	return l != 0 && l&0xffff != detgoNodeGen[(l>>16)&0xff]
}

// detgoDropCrashed parks, for good, every goroutine of a crashed node in
// the run queue. sched.lock is held.
func detgoDropCrashed() {
	var keep gQueue
	for gp := sched.runq.pop(); gp != nil; gp = sched.runq.pop() {
		if !detgoNodeDead(gp) {
			keep.pushBack(gp)
			continue
		}
		gp.waitreason = waitReasonDetgoCrashed
		casgstatus(gp, _Grunnable, _Gwaiting)
	}
	sched.runq = keep
}

// syscall_detgoNodeGo runs f in a new goroutine that belongs to node id's
// current incarnation.
//
//go:linkname syscall_detgoNodeGo syscall.detgoNodeGo
func syscall_detgoNodeGo(id int, f func()) {
	gp := getg()
	saved := gp.detgo.node
	gp.detgo.node = uint32(id)<<16 | detgoNodeGen[id&0xff]
	go f()
	gp.detgo.node = saved
}

// syscall_detgoNodeCrash ends node id's current incarnation: its goroutines
// never run again.
//
//go:linkname syscall_detgoNodeCrash syscall.detgoNodeCrash
func syscall_detgoNodeCrash(id int) {
	if !detgo.enabled || id < 1 || id > 255 {
		return
	}
	detgoNodeGen[id] = (detgoNodeGen[id] + 1) & 0xffff
	detgoNodeCrashes++
}
