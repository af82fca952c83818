// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// A fix runner used to be started once per request: a process start-up
// (about 20 ms of CPU and 40-50 ms of wall time on the shared 2-core
// machine) for a replay that takes 1-2 ms. The Labeler now keeps each
// runner it starts as a server (fixrun reads requests until its input
// ends), one request at a time per process, a few processes per fix
// binary when attributions run in parallel, until Close.

// server is one running fix runner.
type server struct {
	bin    string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *tailBuffer
	done   chan struct{} // closed when the process has exited
}

// tailBuffer keeps the last few KiB written to it (a runner's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if n := len(b.buf); n > 8192 {
		b.buf = append([]byte(nil), b.buf[n-8192:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// startServer starts bin as a server. It is not tied to a request's
// context: it lives until Close (or until it fails a request).
func startServer(bin string) (*server, error) {
	cmd := exec.Command(bin)
	s := &server{bin: bin, cmd: cmd, stderr: &tailBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s.in, s.out = in, bufio.NewReaderSize(out, 1<<16)
	go func() { cmd.Wait(); close(s.done) }()
	return s, nil
}

// kill ends the server and waits for it.
func (s *server) kill() {
	s.in.Close()
	s.cmd.Process.Kill()
	<-s.done
}

// do sends one request and reads its response. On any error (ctx done
// included) the server is killed: it may be mid-request.
func (s *server) do(ctx context.Context, in []byte) (*Response, error) {
	type result struct {
		line []byte
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		if _, err := s.in.Write(append(in, '\n')); err != nil {
			ch <- result{err: err}
			return
		}
		line, err := s.out.ReadBytes('\n')
		ch <- result{line, err}
	}()
	name := filepath.Base(s.bin)
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		s.kill()
		<-ch
		return nil, fmt.Errorf("%s: %w", name, ctx.Err())
	}
	if r.err != nil {
		s.kill()
		return nil, fmt.Errorf("%s: %w (the runner exited: %v)\n%s", name, r.err, s.cmd.ProcessState, s.stderr.String())
	}
	var resp Response
	if err := json.Unmarshal(r.line, &resp); err != nil {
		s.kill()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &resp, nil
}

// serverPool holds the idle servers of each runner binary.
type serverPool struct {
	mu     sync.Mutex
	idle   map[string][]*server
	closed bool
	starts atomic.Int64
}

// maxIdle is how many idle servers of one binary are kept.
const maxIdle = 4

func (p *serverPool) get(bin string) (*server, error) {
	p.mu.Lock()
	if n := len(p.idle[bin]); n > 0 {
		s := p.idle[bin][n-1]
		p.idle[bin] = p.idle[bin][:n-1]
		p.mu.Unlock()
		select {
		case <-s.done: // it died while idle: start another
		default:
			return s, nil
		}
	} else {
		p.mu.Unlock()
	}
	p.starts.Add(1)
	return startServer(bin)
}

func (p *serverPool) put(s *server) {
	p.mu.Lock()
	if p.idle == nil {
		p.idle = map[string][]*server{}
	}
	if !p.closed && len(p.idle[s.bin]) < maxIdle {
		p.idle[s.bin] = append(p.idle[s.bin], s)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	s.kill()
}

// close kills the idle servers. The pool stays usable: a later request
// starts servers again.
func (p *serverPool) close() {
	p.mu.Lock()
	var all []*server
	for _, ss := range p.idle {
		all = append(all, ss...)
	}
	p.idle = nil
	p.mu.Unlock()
	for _, s := range all {
		s.kill()
	}
}

// request runs req on a server of bin.
func (p *serverPool) request(ctx context.Context, bin string, req *Request, timeout time.Duration) (*Response, error) {
	in, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := p.get(bin)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(bin), err)
	}
	resp, err := s.do(ctx, in)
	if err != nil {
		return nil, err
	}
	p.put(s)
	if resp.Error != "" {
		return resp, errors.New(filepath.Base(bin) + ": " + resp.Error)
	}
	return resp, nil
}
