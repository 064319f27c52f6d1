package decode

// NewGeneral returns a Decoder without the fast path: the reference the
// tests compare the fast path with.
func NewGeneral() *Decoder {
	d := New()
	d.generalOnly = true
	return d
}

// TakesFastPath reports whether the fast path decodes this frame.
func (d *Decoder) TakesFastPath(linkType uint32, origLen int, data []byte) bool {
	var p Packet
	st := d.Stats
	ok := d.fastPath(linkType, origLen, data, &p)
	d.Stats = st
	return ok
}
