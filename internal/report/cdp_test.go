package report

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// browser drives a headless Chromium over the DevTools protocol on a pipe
// (--remote-debugging-pipe: the browser reads commands on fd 3 and writes
// on fd 4, each message JSON ended by a NUL byte). No port is opened and no
// module beyond the standard library is needed.
type browser struct {
	t       *testing.T
	cmd     *exec.Cmd
	w       *os.File
	r       *os.File
	br      *bufio.Reader
	next    int
	session string
	stderr  bytes.Buffer

	// What the page did, from the protocol's events.
	requests []string // every URL the page asked for
	problems []string // console errors and warnings, exceptions, log errors
	dialogs  []string // alert/confirm/prompt messages
}

// chromiumPath finds Chromium; tests skip where there is none (CI installs
// it: scripts/install-deps.sh).
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func startBrowser(t *testing.T) *browser {
	t.Helper()
	exe := chromiumPath()
	if exe == "" {
		t.Skip("chromium not installed (apt-get install chromium); scripts/install-deps.sh installs it for CI")
	}
	toChild, fromParent, err := os.Pipe() // the browser's fd 3
	if err != nil {
		t.Fatal(err)
	}
	fromChild, toParent, err := os.Pipe() // the browser's fd 4
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
		"--disable-component-update", "--disable-default-apps", "--mute-audio",
		// Networking off at the browser too: every host fails to resolve
		// and any proxy-able request goes to a closed port.
		"--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
		"--window-size=1300,900", "about:blank")
	b := &browser{t: t, cmd: cmd, w: fromParent, r: fromChild, br: bufio.NewReaderSize(fromChild, 1<<20)}
	cmd.ExtraFiles = []*os.File{toChild, toParent}
	cmd.Stderr = &b.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	toChild.Close()
	toParent.Close()
	t.Cleanup(b.close)

	var target struct {
		TargetID string `json:"targetId"`
	}
	b.call("Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var att struct {
		SessionID string `json:"sessionId"`
	}
	b.call("Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att)
	b.session = att.SessionID
	for _, domain := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		b.call(domain, nil, nil)
	}
	// And offline in the page's own network stack.
	b.call("Network.emulateNetworkConditions", map[string]any{"offline": true, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0}, nil)
	return b
}

func (b *browser) close() {
	b.w.Close()
	done := make(chan struct{})
	go func() { b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		b.cmd.Process.Kill() // the browser started by this test, by its pid
		<-done
	}
	b.r.Close()
}

type cdpMsg struct {
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
	SessionID string `json:"sessionId"`
}

// call sends a command and waits for its answer, recording the events that
// arrive meanwhile.
func (b *browser) call(method string, params any, result any) {
	b.t.Helper()
	b.next++
	id := b.next
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if b.session != "" && !strings.HasPrefix(method, "Target.") {
		msg["sessionId"] = b.session
	}
	raw, _ := json.Marshal(msg)
	if _, err := b.w.Write(append(raw, 0)); err != nil {
		b.t.Fatalf("cdp %s: %v (chromium stderr: %s)", method, err, b.stderr.String())
	}
	for {
		m, err := b.read(30 * time.Second)
		if err != nil {
			b.t.Fatalf("cdp %s: %v (chromium stderr: %s)", method, err, b.stderr.String())
		}
		if m.ID != id {
			continue
		}
		if m.Error != nil {
			b.t.Fatalf("cdp %s: %s", method, m.Error.Message)
		}
		if result != nil {
			if err := json.Unmarshal(m.Result, result); err != nil {
				b.t.Fatalf("cdp %s result: %v", method, err)
			}
		}
		return
	}
}

func (b *browser) read(timeout time.Duration) (*cdpMsg, error) {
	if err := b.r.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	raw, err := b.br.ReadBytes(0)
	if err != nil {
		return nil, err
	}
	var m cdpMsg
	if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
		return nil, err
	}
	if m.Method != "" {
		b.event(&m)
	}
	return &m, nil
}

// event records what the tests check: requests, problems, dialogs.
func (b *browser) event(m *cdpMsg) {
	switch m.Method {
	case "Network.requestWillBeSent":
		var p struct {
			Request struct {
				URL string `json:"url"`
			} `json:"request"`
		}
		json.Unmarshal(m.Params, &p)
		b.requests = append(b.requests, p.Request.URL)
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		json.Unmarshal(m.Params, &p)
		if p.Type == "error" || p.Type == "warning" || p.Type == "assert" {
			var parts []string
			for _, a := range p.Args {
				parts = append(parts, fmt.Sprint(a.Value, a.Description))
			}
			b.problems = append(b.problems, "console."+p.Type+": "+strings.Join(parts, " "))
		}
	case "Runtime.exceptionThrown":
		b.problems = append(b.problems, "exception: "+string(m.Params))
	case "Log.entryAdded":
		var p struct {
			Entry struct {
				Level  string `json:"level"`
				Source string `json:"source"`
				Text   string `json:"text"`
				URL    string `json:"url"`
			} `json:"entry"`
		}
		json.Unmarshal(m.Params, &p)
		if p.Entry.Level == "error" || p.Entry.Level == "warning" {
			b.problems = append(b.problems, fmt.Sprintf("log %s %s: %s %s", p.Entry.Level, p.Entry.Source, p.Entry.Text, p.Entry.URL))
		}
	case "Page.javascriptDialogOpening":
		var p struct {
			Message string `json:"message"`
		}
		json.Unmarshal(m.Params, &p)
		b.dialogs = append(b.dialogs, p.Message)
		// Answer from a goroutine-free context: the reply arrives later
		// and is skipped by call's loop.
		b.next++
		raw, _ := json.Marshal(map[string]any{"id": b.next, "method": "Page.handleJavaScriptDialog",
			"params": map[string]any{"accept": true}, "sessionId": b.session})
		b.w.Write(append(raw, 0))
	}
}

// eval runs expr in the page and decodes its (JSON-able) value into out.
func (b *browser) eval(expr string, out any) {
	b.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &res)
	if res.ExceptionDetails != nil {
		b.t.Fatalf("eval %s: %s %s", expr, res.ExceptionDetails.Text, res.ExceptionDetails.Exception.Description)
	}
	if out != nil {
		if err := json.Unmarshal(res.Result.Value, out); err != nil {
			b.t.Fatalf("eval %s: %v (value %s)", expr, err, res.Result.Value)
		}
	}
}

// navigate loads url and waits for its load event.
func (b *browser) navigate(url string) {
	b.t.Helper()
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	b.call("Page.navigate", map[string]any{"url": url}, &nav)
	if nav.ErrorText != "" {
		b.t.Fatalf("navigate %s: %s", url, nav.ErrorText)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var state string
		b.eval("document.readyState", &state)
		if state == "complete" {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("navigate %s: not loaded after 30s", url)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// screenshot saves the whole page as a PNG.
func (b *browser) screenshot(path string) {
	b.t.Helper()
	var dims struct {
		W int `json:"w"`
		H int `json:"h"`
	}
	b.eval(`({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})`, &dims)
	b.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1300, "height": min(dims.H, 16000), "deviceScaleFactor": 1, "mobile": false}, nil)
	// Charts resize to the new viewport; give them a frame to redraw.
	b.eval(`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))`, nil)
	var shot struct {
		Data string `json:"data"`
	}
	b.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.call("Emulation.clearDeviceMetricsOverride", nil, nil)
}
