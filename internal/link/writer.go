package link

import (
	"bufio"
	"net"
	"sync"
	"time"
)

// writeTimeout bounds one write of frames: a peer that reads nothing for
// this long is taken for dead, and the connection closed.
const writeTimeout = 10 * time.Second

// frame is a frame waiting to be written.
type frame struct {
	h       header
	body    []byte
	written func() // if set, called once the frame is written or dropped
}

// writer writes the frames given to it in order, in one goroutine: every
// frame queued while a write was under way goes out in the next write.
type writer struct {
	conn net.Conn
	bw   *bufio.Writer

	mu      sync.Mutex
	ready   sync.Cond
	queue   []frame
	err     error  // set when writing failed or the writer stopped
	started uint64 // the highest id of a frame whose write began
	done    chan struct{}
}

func newWriter(conn net.Conn) *writer {
	w := &writer{conn: conn, bw: bufio.NewWriterSize(deadlineWriter{conn}, 64<<10), done: make(chan struct{})}
	w.ready.L = &w.mu
	go w.loop()
	return w
}

// send queues a frame, or returns the error that stopped the writer.
func (w *writer) send(f frame) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	w.queue = append(w.queue, f)
	w.ready.Signal()
	return nil
}

// stop makes the writer stop once it has written the frames queued so
// far, and waits for it; later sends fail with err.
func (w *writer) stop(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.ready.Signal()
	w.mu.Unlock()
	<-w.done
}

// startedID returns the highest id of a frame whose write began: a frame
// with a higher id never reached the connection.
func (w *writer) startedID() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.started
}

func (w *writer) loop() {
	defer close(w.done)
	var hdr [headerSize]byte
	var batch []frame
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && w.err == nil {
			w.ready.Wait()
		}
		if len(w.queue) == 0 {
			w.mu.Unlock()
			return
		}
		batch, w.queue = w.queue, batch[:0]
		for _, f := range batch {
			w.started = max(w.started, f.h.id)
		}
		w.mu.Unlock()

		var err error
		for i := range batch {
			if err == nil {
				err = w.write(hdr[:], batch[i])
			}
			if batch[i].written != nil {
				batch[i].written()
			}
			batch[i] = frame{} // drop the body for the collector
		}
		if err == nil {
			err = w.bw.Flush()
		}
		if err != nil {
			w.mu.Lock()
			if w.err == nil {
				w.err = err
			}
			dropped := w.queue
			w.queue = nil
			w.mu.Unlock()
			for _, f := range dropped {
				if f.written != nil {
					f.written()
				}
			}
			_ = w.conn.Close()
			return
		}
	}
}

// write writes one frame into the buffer, which sends what it holds
// whenever it fills.
func (w *writer) write(hdr []byte, f frame) error {
	f.h.put(hdr)
	if _, err := w.bw.Write(hdr); err != nil {
		return err
	}
	_, err := w.bw.Write(f.body)
	return err
}

// deadlineWriter gives each write to its connection writeTimeout to make
// progress.
type deadlineWriter struct{ conn net.Conn }

func (d deadlineWriter) Write(p []byte) (int, error) {
	if err := d.conn.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return 0, err
	}
	return d.conn.Write(p)
}
