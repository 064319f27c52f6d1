package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Defaults of FollowOptions.
const (
	// DefaultPollInterval is how often a follower looks at its files when
	// no file-system event woke it: the fallback where inotify events are
	// not delivered (network file systems, exhausted watch limits).
	DefaultPollInterval = 250 * time.Millisecond
	// DefaultGrace is how long a file the writer has apparently left (a
	// newer ring file exists, or it was removed) but which ends in the
	// middle of a record must stay unchanged before the follower gives up
	// on that record and moves on.
	DefaultGrace = time.Second
	// DefaultDrainTimeout bounds the final read after the context ends.
	DefaultDrainTimeout = 5 * time.Second
)

// FollowOptions configures Follow. The zero value follows with the defaults
// above, from the start of the newest file.
type FollowOptions struct {
	// PollInterval is how often the files are looked at when no
	// file-system event arrives (DefaultPollInterval when 0).
	PollInterval time.Duration
	// Grace: see DefaultGrace.
	Grace time.Duration
	// DrainTimeout: see DefaultDrainTimeout.
	DrainTimeout time.Duration
	// FromStart reads the ring files that already exist, oldest first,
	// before following; otherwise following starts at the start of the
	// newest file (the oldest, if there was none at first).
	FromStart bool
	// NoNotify turns file-system notifications off: polling only.
	NoNotify bool
	// Idle, if set, is called on the goroutine calling Next whenever the
	// follower has read all there is and is about to wait, and again at
	// every poll tick while it waits.
	Idle func()
	// Notes, if set, receives what the follower does and the problems it
	// works around, one at a time, on the goroutine calling Next.
	Notes func(Note)

	// testWait, if set, is called where Idle is, with the file being
	// waited on ("" while waiting for a file), the bytes read from it and
	// whether the writer has moved on from it: tests synchronise on it.
	testWait func(path string, read int64, movedOn bool)
}

// Note is one message from a Follower.
type Note struct {
	Warning bool // something was lost or is wrong; otherwise routine (a file opened)
	Path    string
	Msg     string
}

func (n Note) String() string { return n.Path + ": " + n.Msg }

// How a followed file ended (FileStat.End).
const (
	EndReading  = ""         // still being read
	EndComplete = "complete" // read to its end after the writer moved on
	EndStopped  = "stopped"  // following stopped while the file could still grow
	EndPartial  = "partial"  // its last record was never completed
	EndEmpty    = "empty"    // the writer left it without a capture header
	EndError    = "error"    // unreadable or damaged: see Err
)

// FileStat is what a Follower read from one file.
type FileStat struct {
	Path    string // as found (a symlink is resolved to the file it named)
	Packets uint64
	Bytes   int64 // bytes read from the file
	End     string
	// Removed says the file was deleted or renamed while it was being
	// read; the rest was read from the open descriptor.
	Removed bool
	// PartialBytes is the size of an unfinished record at the end, not
	// counted as a packet.
	PartialBytes int64
	Err          string
}

// errDrainTimeout stops reading when the final drain takes too long.
var errDrainTimeout = errors.New("drain timeout")

// Follower reads the records of a growing capture file, or of the files of
// a ring that a writer such as dumpcap rotates, in order, as they are
// written. It is not safe for concurrent use.
//
// A record half-written at the end of a file is waited for, not treated as
// damage. A file is finished when the writer has moved on — a newer ring
// file exists, or the file was removed, renamed or (for a single path)
// replaced — and everything in it was read, reading on from the open
// descriptor after a removal. Each file is a capture of its own, read by its
// own Reader; the records of successive files come out of Next in order, none
// skipped, none twice. When the context ends, Next drains what the files
// already hold and then returns io.EOF.
type Follower struct {
	ctx  context.Context
	opts FollowOptions
	src  source

	watcher *fsnotify.Watcher
	watched map[string]bool
	wake    chan struct{}
	dirty   atomic.Bool // the set of files may have changed: look again
	wg      sync.WaitGroup
	ticker  *time.Ticker

	draining bool
	deadline time.Time
	stopped  bool

	cur      *followed
	last     *candidate  // the last file opened: the next one comes after it
	lastID   os.FileInfo // single-path mode: the last file opened
	files    []FileStat
	info     Info
	missing  uint64
	missingN bool // a note about the source being unlistable was given
	listed   bool // the ring was listed once: files found later are new
}

// followed is one open file. It is the io.Reader under that file's Reader:
// at the end of the data it waits for more, and reports io.EOF only once the
// file is finished.
type followed struct {
	f         *Follower
	cand      candidate
	name      string
	file      *os.File
	id        os.FileInfo
	r         *Reader
	stat      int   // index in Follower.files
	delivered int64 // bytes handed to the Reader
	recEnd    int64 // where the last whole record (or block) ended
	grown     time.Time
	movedOn   bool
}

// Follow starts following path: a capture file (followed as it grows, and
// again from its start when it is replaced), a symlink that a writer
// re-points (each file it names in turn), a directory (its capture files,
// as a ring), a glob pattern (the matching files, as a ring), or one file
// of a dumpcap ring (NAME_00001_YYYYmmddHHMMSS.pcapng: that ring, starting
// with this file). Ring files are read in dumpcap order: by the time stamp
// and then the number in their names, otherwise in natural name order.
//
// Nothing is read until Next. A path that does not exist yet is waited for
// if its directory exists.
func Follow(ctx context.Context, path string, opts FollowOptions) (*Follower, error) {
	src, err := resolveSource(path)
	if err != nil {
		return nil, err
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	f := &Follower{ctx: ctx, opts: opts, src: src, wake: make(chan struct{}, 1), watched: map[string]bool{}}
	f.dirty.Store(true)
	if src.mode == modeRing && src.start == "" && !opts.FromStart {
		// The files there when following starts are listed now, not at
		// the first Next: one the writer adds in between is new and must
		// be read. Fix: a ring file written before the caller's first
		// Next was skipped when a newer one followed it quickly.
		if cands, err := src.list(); err == nil {
			f.listed = true
			if len(cands) > 0 {
				f.src.start = cands[len(cands)-1].path
			}
		}
	}
	f.ticker = time.NewTicker(opts.PollInterval)
	if !opts.NoNotify {
		w, err := fsnotify.NewWatcher()
		if err != nil {
			f.note(true, path, fmt.Sprintf("file-system notifications unavailable (%v): polling every %s", err, opts.PollInterval))
		} else {
			f.watcher = w
			f.wg.Add(1)
			go f.watch(w)
			for _, d := range src.watch {
				f.watchDir(d)
			}
		}
	}
	return f, nil
}

// Next reads the next record into rec; its Data is valid until the next
// call. It waits for records while the context lasts; once it has ended,
// Next returns the records the files already hold and then io.EOF. Other
// errors are returned only for a single file that is not a capture; damage
// in a ring file is reported as a Note and the follower moves on to the
// next file.
func (f *Follower) Next(rec *Record) error {
	for {
		if f.stopped {
			return io.EOF
		}
		if f.cur == nil {
			if err := f.openNext(); err != nil {
				return err
			}
			continue
		}
		ff := f.cur
		err := ff.r.Next(rec)
		if err == nil {
			f.files[ff.stat].Packets++
			ff.recEnd = ff.r.Offset()
			return nil
		}
		f.finish(ff, err)
	}
}

// Files reports every file opened so far, in reading order, the current
// one last.
func (f *Follower) Files() []FileStat {
	out := make([]FileStat, len(f.files))
	copy(out, f.files)
	if ff := f.cur; ff != nil {
		out[ff.stat].Bytes = ff.delivered
	}
	return out
}

// Missing is how many ring files, by dumpcap's numbering, were removed
// before they could be opened: their packets were never read.
func (f *Follower) Missing() uint64 { return f.missing }

// Info describes the files read so far: that of the last one opened, with
// the link types of all of them.
func (f *Follower) Info() Info {
	info := f.info
	info.LinkTypes = append([]uint32(nil), f.info.LinkTypes...)
	if f.cur != nil {
		for _, lt := range f.cur.r.Info().LinkTypes {
			info.LinkTypes = addLinkType(info.LinkTypes, lt)
		}
	}
	return info
}

// Close stops watching and closes the current file.
func (f *Follower) Close() error {
	f.ticker.Stop()
	if f.watcher != nil {
		f.watcher.Close()
		f.wg.Wait()
		f.watcher = nil
	}
	if f.cur != nil {
		f.files[f.cur.stat].Bytes = f.cur.delivered
		f.cur.r.Close()
		f.cur = nil
	}
	return nil
}

func (f *Follower) note(warning bool, path, msg string) {
	if f.opts.Notes != nil {
		f.opts.Notes(Note{Warning: warning, Path: path, Msg: msg})
	}
}

// ---- waiting ----

// watch turns file-system events into wake-ups. Only a file appearing,
// disappearing or being renamed can change which file comes next, so only
// those make the follower list the files again.
func (f *Follower) watch(w *fsnotify.Watcher) {
	defer f.wg.Done()
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if ev.Has(fsnotify.Create) || ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
				f.dirty.Store(true)
			}
		case _, ok := <-w.Errors:
			if !ok {
				return
			}
			// An overflowed queue loses events: look at everything.
			f.dirty.Store(true)
		}
		select {
		case f.wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

func (f *Follower) watchDir(dir string) {
	if f.watcher == nil || f.watched[dir] {
		return
	}
	f.watched[dir] = true
	if err := f.watcher.Add(dir); err != nil {
		f.note(true, dir, fmt.Sprintf("cannot watch for changes (%v): polling every %s", err, f.opts.PollInterval))
	}
}

// wait blocks until a file-system event, a poll tick or the end of the
// context. The end of the context turns on draining: from then on, the
// end of what is there is the end.
func (f *Follower) wait(path string, read int64, movedOn bool) {
	if f.opts.Idle != nil {
		f.opts.Idle()
	}
	if f.opts.testWait != nil {
		f.opts.testWait(path, read, movedOn)
	}
	select {
	case <-f.ctx.Done():
		f.startDrain()
	case <-f.wake:
	case <-f.ticker.C:
		f.dirty.Store(true)
	}
}

func (f *Follower) startDrain() {
	if !f.draining {
		f.draining = true
		f.deadline = time.Now().Add(f.opts.DrainTimeout)
	}
}

// Read hands the Reader the next bytes of the file, waiting at its end
// until more arrive or the file is finished.
func (ff *followed) Read(p []byte) (int, error) {
	f := ff.f
	for {
		if f.draining && time.Now().After(f.deadline) {
			return 0, errDrainTimeout
		}
		n, err := ff.file.Read(p)
		if n > 0 {
			ff.delivered += int64(n)
			ff.grown = time.Now()
			return n, nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		end, err := f.atEnd(ff)
		if err != nil {
			return 0, err
		}
		if end {
			return 0, io.EOF
		}
	}
}

// atBoundary reports that the bytes read so far end with a whole record or
// block, not inside one.
func (ff *followed) atBoundary() bool {
	if ff.delivered == 0 {
		return true
	}
	end, ok := ff.wholeEnd()
	return ok && end == ff.delivered
}

// wholeEnd walks the record or block headers after the last record the
// Reader returned and reports where the last whole one ends within the bytes
// read so far. The Reader cannot tell: it has consumed everything it was
// given both between records and when a read inside a record ended exactly
// at the end of the data. ok is false where the walk is not possible: before
// the file header was read, or in a gzip stream.
func (ff *followed) wholeEnd() (end int64, ok bool) {
	if ff.r == nil {
		return 0, false
	}
	info := ff.r.Info()
	if info.Compressed {
		return 0, false
	}
	var order binary.ByteOrder = binary.LittleEndian
	if info.BigEndian {
		order = binary.BigEndian
	}
	var h [12]byte
	off := ff.recEnd
	for {
		var size int64
		if info.Format == FormatPcap {
			if off+16 > ff.delivered {
				return off, true
			}
			if _, err := ff.file.ReadAt(h[:12], off); err != nil {
				return off, true
			}
			size = 16 + int64(order.Uint32(h[8:12]))
		} else {
			if off+12 > ff.delivered {
				return off, true
			}
			if _, err := ff.file.ReadAt(h[:12], off); err != nil {
				return off, true
			}
			if binary.LittleEndian.Uint32(h[0:4]) == 0x0a0d0d0a { // section header
				// A new section may change the byte order.
				order = binary.LittleEndian
				if binary.LittleEndian.Uint32(h[8:12]) != 0x1a2b3c4d {
					order = binary.BigEndian
				}
			}
			size = int64(order.Uint32(h[4:8]))
			if size < 12 {
				return off, true // damaged: the Reader will say so
			}
		}
		if off+size > ff.delivered {
			return off, true
		}
		off += size
	}
}

// atEnd is called when a read found no new bytes. It reports whether the
// file is finished, waiting while it is not and nothing new arrived; false
// means there are bytes to read.
func (f *Follower) atEnd(ff *followed) (bool, error) {
	for {
		if !f.draining && f.ctx.Err() != nil {
			f.startDrain()
		}
		st, err := ff.file.Stat()
		if err != nil {
			return false, fmt.Errorf("stat %s: %w", ff.name, err)
		}
		if st.Size() > ff.delivered {
			return false, nil
		}
		if f.draining {
			// Whether the writer had moved on decides how the file
			// ended: complete, or stopped while it could still grow.
			if !ff.movedOn {
				ff.movedOn = f.movedOn(ff)
			}
			return true, nil
		}
		if st.Size() < ff.delivered {
			f.note(true, ff.name, fmt.Sprintf("shrank from %d to %d bytes: the writer started it again", ff.delivered, st.Size()))
			if f.src.mode == modeFile {
				f.lastID = nil // read it again from its start
			}
			return true, nil
		}
		if !ff.movedOn && f.dirty.Swap(false) {
			ff.movedOn = f.movedOn(ff)
		}
		if ff.movedOn {
			// A writer closes a file before it starts the next one, so
			// the size seen after the newer file is final.
			if st, err = ff.file.Stat(); err == nil && st.Size() > ff.delivered {
				return false, nil
			}
			if ff.atBoundary() || time.Since(ff.grown) >= f.opts.Grace {
				return true, nil
			}
		}
		f.wait(ff.name, ff.delivered, ff.movedOn)
	}
}

// movedOn reports whether the writer has left ff: it was removed, renamed
// or replaced, or a newer ring file exists.
func (f *Follower) movedOn(ff *followed) bool {
	if st, err := os.Stat(ff.cand.path); err != nil || !os.SameFile(st, ff.id) {
		// Gone from its own name, or only from the path followed (a
		// re-pointed symlink)?
		if st, err := os.Stat(ff.name); err != nil || !os.SameFile(st, ff.id) {
			f.files[ff.stat].Removed = true
			f.note(false, ff.name, "removed or renamed while being read: finishing it from the open file")
		} else {
			f.note(false, ff.name, fmt.Sprintf("%s now names another file: finishing this one first", ff.cand.path))
		}
		return true
	}
	if f.src.mode != modeRing {
		return false
	}
	cands, _ := f.src.list()
	for i := range cands {
		if ringBefore(&ff.cand, &cands[i]) {
			return true
		}
	}
	return false
}

// ---- files ----

// openNext opens the file that comes after the last one, waiting for it.
func (f *Follower) openNext() error {
	for {
		if !f.draining && f.ctx.Err() != nil {
			f.startDrain()
		}
		c, ok := f.pick()
		if ok {
			err := f.open(c)
			if err == nil {
				return nil
			}
			if errors.Is(err, errDrainTimeout) {
				f.stopped = true
				return io.EOF
			}
			if f.src.mode == modeFile && errors.Is(err, ErrNotCapture) {
				return err
			}
			continue
		}
		if f.draining {
			f.stopped = true
			return io.EOF
		}
		f.wait("", 0, false)
	}
}

// pick chooses the next file to open, if there is one yet.
func (f *Follower) pick() (candidate, bool) {
	if f.src.mode == modeFile {
		st, err := os.Stat(f.src.path)
		if err != nil || !st.Mode().IsRegular() || f.lastID != nil && os.SameFile(st, f.lastID) {
			return candidate{}, false
		}
		return candidate{path: f.src.path, base: filepath.Base(f.src.path)}, true
	}
	cands, err := f.src.list()
	if err != nil {
		if !f.missingN {
			f.missingN = true
			f.note(true, f.src.path, fmt.Sprintf("cannot list files (%v): waiting", err))
		}
		return candidate{}, false
	}
	f.missingN = false
	first := !f.listed
	f.listed = true
	if len(cands) == 0 {
		return candidate{}, false
	}
	if f.last == nil {
		if f.src.start != "" {
			for _, c := range cands {
				if c.path == f.src.start {
					return c, true
				}
			}
		}
		// Only files there when following started are skipped: any that
		// appeared since are new, and read from the oldest.
		if f.opts.FromStart || !first {
			return cands[0], true
		}
		return cands[len(cands)-1], true
	}
	for _, c := range cands {
		if ringBefore(f.last, &c) {
			f.checkGap(f.last, &c)
			return c, true
		}
	}
	return candidate{}, false
}

// checkGap notes ring files that dumpcap numbered between last and next but
// that were gone before they could be read.
func (f *Follower) checkGap(last, next *candidate) {
	if !last.isRing || !next.isRing || last.ring.prefix != next.ring.prefix || last.ring.ext != next.ring.ext {
		return
	}
	switch {
	case next.ring.seq > last.ring.seq+1:
		n := next.ring.seq - last.ring.seq - 1
		f.missing += n
		f.note(true, next.path, fmt.Sprintf("%d ring file(s) numbered %d to %d were removed before they could be read: their packets are missing", n, last.ring.seq+1, next.ring.seq-1))
	case next.ring.seq <= last.ring.seq:
		f.note(false, next.path, "the ring was started again")
	}
}

// open opens c and reads its capture header, waiting for it to be written.
func (f *Follower) open(c candidate) error {
	f.last = &c
	file, err := os.Open(c.path)
	if err != nil {
		msg := fmt.Sprintf("cannot open (%v): its packets are missing", unwrapPathErr(err))
		if errors.Is(err, fs.ErrNotExist) {
			msg = "removed before it could be read: its packets are missing"
		}
		f.files = append(f.files, FileStat{Path: c.path, End: EndError, Err: msg})
		f.note(true, c.path, msg)
		return err
	}
	id, err := file.Stat()
	if err != nil {
		file.Close()
		return fmt.Errorf("stat %s: %w", c.path, err)
	}
	f.lastID = id
	name := c.path
	if f.src.mode == modeFile {
		if real, err := filepath.EvalSymlinks(c.path); err == nil {
			name = real
		}
	}
	ff := &followed{f: f, cand: c, name: name, file: file, id: id, grown: time.Now(), stat: len(f.files)}
	f.files = append(f.files, FileStat{Path: name})
	f.watchDir(filepath.Dir(name))
	f.note(false, name, "following")
	r, err := NewReader(name, ff, file)
	if err != nil {
		file.Close()
		st := &f.files[ff.stat]
		st.Bytes = ff.delivered
		switch {
		case errors.Is(err, errDrainTimeout):
			st.End = EndStopped
		case errors.Is(err, ErrEmpty):
			st.End = EndEmpty
			f.note(!f.draining, name, "left empty by the writer")
		case errors.Is(err, ErrTruncated) && f.draining && !ff.movedOn:
			st.End, st.PartialBytes = EndStopped, ff.delivered
		default:
			st.End, st.Err = EndError, err.Error()
			f.note(true, name, fmt.Sprintf("not read: %v", err))
		}
		return err
	}
	ff.r = r
	ff.recEnd = r.Offset()
	f.cur = ff
	lts := f.info.LinkTypes
	f.info = r.Info()
	f.info.LinkTypes = lts
	return nil
}

// finish closes the current file after Next stopped on err.
func (f *Follower) finish(ff *followed, err error) {
	f.cur = nil
	st := &f.files[ff.stat]
	st.Bytes = ff.delivered
	for _, lt := range ff.r.Info().LinkTypes {
		f.info.LinkTypes = addLinkType(f.info.LinkTypes, lt)
	}
	whole, wholeOK := ff.wholeEnd()
	ff.r.Close()
	switch {
	case err == io.EOF && f.draining && !ff.movedOn:
		st.End = EndStopped
	case err == io.EOF:
		st.End = EndComplete
	case errors.Is(err, errDrainTimeout):
		st.End = EndStopped
		f.stopped = true
		f.note(true, ff.name, fmt.Sprintf("stopped after %d bytes: the final read took longer than %s", ff.r.Offset(), f.opts.DrainTimeout))
	case errors.Is(err, ErrTruncated):
		if wholeOK {
			st.PartialBytes = ff.delivered - whole
		}
		if f.draining && !ff.movedOn {
			st.End = EndStopped
			break
		}
		st.End = EndPartial
		f.note(true, ff.name, fmt.Sprintf("ends with %d bytes of a record that was never completed: moving on", st.PartialBytes))
	default:
		st.End, st.Err = EndError, err.Error()
		f.note(true, ff.name, fmt.Sprintf("reading stopped: %v", err))
	}
}

func addLinkType(lts []uint32, lt uint32) []uint32 {
	for _, seen := range lts {
		if seen == lt {
			return lts
		}
	}
	return append(lts, lt)
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ---- sources ----

type followMode uint8

const (
	modeFile followMode = iota // one path, re-opened when replaced or re-pointed
	modeRing                   // the capture files of a directory or glob, in ring order
)

// source says which files make up what is followed.
type source struct {
	mode    followMode
	path    string    // as given
	dir     string    // modeRing: directory to list ("" with a pattern)
	pattern string    // modeRing: glob
	ring    *ringName // modeRing: only this dumpcap ring's files
	start   string    // modeRing: the file to start with
	watch   []string  // directories whose events matter
}

func resolveSource(path string) (source, error) {
	s := source{path: path}
	lst, err := os.Lstat(path)
	switch {
	case err == nil && lst.Mode()&fs.ModeSymlink != 0:
		st, serr := os.Stat(path)
		s.watch = []string{filepath.Dir(path)}
		if serr == nil && st.IsDir() {
			s.mode, s.dir = modeRing, path
			s.watch = append(s.watch, path)
			return s, nil
		}
		s.mode = modeFile
		if real, err := filepath.EvalSymlinks(path); err == nil {
			s.watch = append(s.watch, filepath.Dir(real))
		}
		return s, nil
	case err == nil && lst.IsDir():
		s.mode, s.dir, s.watch = modeRing, path, []string{path}
		return s, nil
	case err == nil && lst.Mode().IsRegular():
		dir := filepath.Dir(path)
		s.watch = []string{dir}
		if rn, ok := parseRingName(filepath.Base(path)); ok {
			// One file of a dumpcap ring: follow the ring from it.
			s.mode, s.ring, s.start = modeRing, &rn, path
			s.pattern = filepath.Join(escapeGlob(dir), escapeGlob(rn.prefix)+"_*_*"+escapeGlob(rn.ext))
			return s, nil
		}
		s.mode = modeFile
		return s, nil
	case err == nil:
		return s, fmt.Errorf("follow %s: not a regular file, directory or symlink", path)
	case !errors.Is(err, fs.ErrNotExist):
		return s, fmt.Errorf("follow %s: %w", path, unwrapPathErr(err))
	case hasMeta(path):
		if _, err := filepath.Match(path, ""); err != nil {
			return s, fmt.Errorf("follow %s: bad glob pattern: %w", path, err)
		}
		s.mode, s.pattern = modeRing, path
		if d := filepath.Dir(path); !hasMeta(d) {
			s.watch = []string{d}
		}
		return s, nil
	}
	// Not there yet: wait for it, if its directory exists.
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return s, fmt.Errorf("follow %s: no such file, and no directory %s to wait for it in", path, dir)
	}
	s.mode, s.watch = modeFile, []string{dir}
	return s, nil
}

func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// candidate is a file that may be followed.
type candidate struct {
	path   string
	base   string
	ring   ringName
	isRing bool
}

// list returns the ring's files, oldest first.
func (s *source) list() ([]candidate, error) {
	var paths []string
	if s.pattern != "" {
		m, err := filepath.Glob(s.pattern)
		if err != nil {
			return nil, err
		}
		paths = m
	} else {
		ents, err := os.ReadDir(s.dir)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if captureName(e.Name()) {
				paths = append(paths, filepath.Join(s.dir, e.Name()))
			}
		}
	}
	out := make([]candidate, 0, len(paths))
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		c := candidate{path: p, base: filepath.Base(p)}
		c.ring, c.isRing = parseRingName(c.base)
		if s.ring != nil && (!c.isRing || c.ring.prefix != s.ring.prefix || c.ring.ext != s.ring.ext) {
			continue
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return ringBefore(&out[i], &out[j]) })
	return out, nil
}

// captureName says whether a directory entry looks like a capture file.
func captureName(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	if _, ok := parseRingName(name); ok {
		return true
	}
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	for _, ext := range []string{".pcap", ".pcapng", ".cap", ".ntar"} {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}

// ringName is a dumpcap ring file name split up:
// PREFIX_NNNNN_YYYYmmddHHMMSS.EXT.
type ringName struct {
	prefix string
	seq    uint64
	stamp  string
	ext    string
}

var ringPattern = regexp.MustCompile(`^(.+)_([0-9]{5,})_([0-9]{14})(\.[A-Za-z0-9.]+)?$`)

func parseRingName(base string) (ringName, bool) {
	m := ringPattern.FindStringSubmatch(base)
	if m == nil {
		return ringName{}, false
	}
	seq, err := strconv.ParseUint(m[2], 10, 64)
	if err != nil {
		return ringName{}, false
	}
	return ringName{prefix: m[1], seq: seq, stamp: m[3], ext: m[4]}, true
}

// ringBefore orders ring files. Files of one dumpcap ring go by the time
// stamp in their names, then by number: a dumpcap started again numbers
// from 1, later. Other names go in natural order (file2 before file10).
func ringBefore(a, b *candidate) bool {
	if a.isRing && b.isRing && a.ring.prefix == b.ring.prefix && a.ring.ext == b.ring.ext {
		if a.ring.stamp != b.ring.stamp {
			return a.ring.stamp < b.ring.stamp
		}
		if a.ring.seq != b.ring.seq {
			return a.ring.seq < b.ring.seq
		}
	}
	if c := naturalCompare(a.base, b.base); c != 0 {
		return c < 0
	}
	return a.path < b.path
}

// naturalCompare compares names with runs of digits compared as numbers.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		if isDigit(a[0]) && isDigit(b[0]) {
			i, j := digitRun(a), digitRun(b)
			na, nb := strings.TrimLeft(a[:i], "0"), strings.TrimLeft(b[:j], "0")
			if len(na) != len(nb) {
				return cmpInt(len(na), len(nb))
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[i:], b[j:]
			continue
		}
		if a[0] != b[0] {
			return cmpInt(int(a[0]), int(b[0]))
		}
		a, b = a[1:], b[1:]
	}
	return cmpInt(len(a), len(b))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digitRun(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
