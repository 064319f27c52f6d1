package tcpanalysis

// pool is a free list of one kind of per-flow figures. Unlike sync.Pool it
// is never emptied by the garbage collector and needs no locking: the
// analyzer is single-threaded, and a steady state of flows coming and going
// then allocates nothing.
type pool[T any] struct {
	free []*T
}

// get returns a zeroed T, reused when one is free.
func (p *pool[T]) get() *T {
	n := len(p.free)
	if n == 0 {
		return new(T)
	}
	x := p.free[n-1]
	p.free = p.free[:n-1]
	var zero T
	*x = zero
	return x
}

// put takes back *x, if set, and clears the owner's pointer.
func (p *pool[T]) put(x **T) {
	if *x != nil {
		p.free = append(p.free, *x)
		*x = nil
	}
}
