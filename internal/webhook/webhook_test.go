package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/clearway/clearway/internal/notify"
)

// testSecret is the secret the test receivers verify signatures with.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// received is one request a receiver got.
type received struct {
	method string
	header http.Header
	body   []byte
	signed bool // the signature verified with the receiver's secret
}

// receiver plays a partner's webhook endpoint: it verifies the signature
// with notify.Verify, records every request, and answers 401 to a bad
// signature, otherwise with its status, headers and body.
type receiver struct {
	mu     sync.Mutex
	got    []received
	status int
	header http.Header
	body   string
}

// MustReceiver starts a receiver answering status on 127.0.0.1:0, closed
// when the test ends.
func MustReceiver(tb testing.TB, status int) (*receiver, *httptest.Server) {
	tb.Helper()
	rcv := &receiver{status: status, header: http.Header{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			tb.Errorf("receiver: read body: %v", err)
		}
		signed := notify.Verify(body, testSecret, r.Header.Get(notify.HeaderSignature))
		rcv.mu.Lock()
		rcv.got = append(rcv.got, received{method: r.Method, header: r.Header.Clone(), body: body, signed: signed})
		status, respBody := rcv.status, rcv.body
		for k, v := range rcv.header {
			w.Header()[k] = v
		}
		rcv.mu.Unlock()
		if !signed {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(status)
		io.WriteString(w, respBody)
	}))
	tb.Cleanup(srv.Close)
	return rcv, srv
}

// requests returns what the receiver got so far.
func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// testDelivery is a delivery as the notification outbox would hand it over.
var testDelivery = Delivery{
	Key:   "ntf-42-erp-hook",
	Event: "status",
	Body:  []byte(`{"event":"status","code":"DCR","shipment":"SHP-1"}` + "\n"),
}

// MustError asserts that err is an *Error and returns it.
func MustError(tb testing.TB, err error) *Error {
	tb.Helper()
	var we *Error
	if !errors.As(err, &we) {
		tb.Fatalf("got %T %v, want *Error", err, err)
	}
	return we
}

func TestPost(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, status := range []int{http.StatusOK, http.StatusAccepted, http.StatusNoContent} {
			rcv, srv := MustReceiver(t, status)
			rcv.body = "thanks"
			c := &Client{}
			if err := c.Post(t.Context(), Endpoint{ID: "erp-hook", URL: srv.URL, Secret: testSecret}, testDelivery); err != nil {
				t.Fatalf("status %d: got %v, want nil", status, err)
			}
			got := rcv.requests()
			if len(got) != 1 {
				t.Fatalf("status %d: receiver got %d requests, want 1", status, len(got))
			}
			r := got[0]
			if r.method != http.MethodPost {
				t.Errorf("method: got %s, want POST", r.method)
			}
			if !bytes.Equal(r.body, testDelivery.Body) {
				t.Errorf("body: got %q, want %q", r.body, testDelivery.Body)
			}
			for name, want := range map[string]string{
				"Content-Type":         "application/json",
				"User-Agent":           DefaultUserAgent,
				notify.HeaderDelivery:  testDelivery.Key,
				notify.HeaderEvent:     testDelivery.Event,
				notify.HeaderSignature: notify.Sign(testDelivery.Body, testSecret),
			} {
				if g := r.header.Get(name); g != want {
					t.Errorf("header %s: got %q, want %q", name, g, want)
				}
			}
		}
	})

	t.Run("UserAgent", func(t *testing.T) {
		rcv, srv := MustReceiver(t, http.StatusOK)
		c := &Client{UserAgent: "Clearway-Test/9"}
		if err := c.Post(t.Context(), Endpoint{URL: srv.URL, Secret: testSecret}, testDelivery); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		if g := rcv.requests()[0].header.Get("User-Agent"); g != "Clearway-Test/9" {
			t.Errorf("User-Agent: got %q, want %q", g, "Clearway-Test/9")
		}
	})

	t.Run("SameKeyEveryAttempt", func(t *testing.T) {
		rcv, srv := MustReceiver(t, http.StatusServiceUnavailable)
		c := &Client{}
		e := Endpoint{ID: "erp-hook", URL: srv.URL, Secret: testSecret}
		if err := c.Post(t.Context(), e, testDelivery); err == nil {
			t.Fatal("first attempt: got nil, want the 503")
		}
		rcv.mu.Lock()
		rcv.status = http.StatusOK
		rcv.mu.Unlock()
		if err := c.Post(t.Context(), e, testDelivery); err != nil {
			t.Fatalf("second attempt: got %v, want nil", err)
		}
		got := rcv.requests()
		if len(got) != 2 {
			t.Fatalf("receiver got %d requests, want 2", len(got))
		}
		for _, h := range []string{notify.HeaderDelivery, notify.HeaderSignature} {
			if a, b := got[0].header.Get(h), got[1].header.Get(h); a != b || a == "" {
				t.Errorf("%s: got %q then %q, want the same non-empty value", h, a, b)
			}
		}
	})
}

func TestPost_Signature(t *testing.T) {
	t.Run("RightSecret", func(t *testing.T) {
		rcv, srv := MustReceiver(t, http.StatusOK)
		if err := (&Client{}).Post(t.Context(), Endpoint{URL: srv.URL, Secret: testSecret}, testDelivery); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		r := rcv.requests()[0]
		if !r.signed {
			t.Error("signature did not verify with the right secret")
		}
		if notify.Verify(r.body, []byte("another secret of enough length!"), r.header.Get(notify.HeaderSignature)) {
			t.Error("signature verified with a wrong secret")
		}
	})

	t.Run("WrongSecret", func(t *testing.T) {
		rcv, srv := MustReceiver(t, http.StatusOK)
		err := (&Client{}).Post(t.Context(), Endpoint{ID: "erp-hook", URL: srv.URL, Secret: []byte("not the receiver's secret")}, testDelivery)
		we := MustError(t, err)
		if we.Status != http.StatusUnauthorized || we.Retryable {
			t.Errorf("got status %d retryable %v, want 401 not retryable", we.Status, we.Retryable)
		}
		if r := rcv.requests(); len(r) != 1 || r[0].signed {
			t.Errorf("receiver got %+v, want one request whose signature fails", r)
		}
	})
}

func TestPost_RedirectNotFollowed(t *testing.T) {
	rcv, target := MustReceiver(t, http.StatusOK)
	moved := httptest.NewServer(http.RedirectHandler(target.URL+"/new", http.StatusFound))
	t.Cleanup(moved.Close)

	var trips atomic.Int32
	callers := map[string]*http.Client{
		"DefaultClient": nil,
		// A caller's client whose own policy follows redirects: Post overrides it.
		"CallerClient": {Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			trips.Add(1)
			return http.DefaultTransport.RoundTrip(r)
		})},
	}
	for name, hc := range callers {
		t.Run(name, func(t *testing.T) {
			err := (&Client{HTTP: hc}).Post(t.Context(), Endpoint{ID: "erp-hook", URL: moved.URL, Secret: testSecret}, testDelivery)
			we := MustError(t, err)
			if we.Status != http.StatusFound || we.Retryable {
				t.Errorf("got status %d retryable %v, want 302 not retryable", we.Status, we.Retryable)
			}
			if !strings.Contains(we.Error(), target.URL+"/new") {
				t.Errorf("message %q does not name the redirect target", we.Error())
			}
		})
	}
	if n := len(rcv.requests()); n != 0 {
		t.Errorf("redirect target got %d requests, want 0", n)
	}
	if n := trips.Load(); n != 1 {
		t.Errorf("caller's transport made %d round trips, want 1", n)
	}
}

func TestPost_Invalid(t *testing.T) {
	rcv, srv := MustReceiver(t, http.StatusOK)
	tests := map[string]struct {
		e Endpoint
		d Delivery
	}{
		"ErrNoKey":    {Endpoint{URL: srv.URL, Secret: testSecret}, Delivery{Event: "status", Body: []byte("{}")}},
		"ErrNoSecret": {Endpoint{URL: srv.URL}, testDelivery},
		"ErrBadURL":   {Endpoint{URL: "://no-scheme", Secret: testSecret}, testDelivery},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			we := MustError(t, (&Client{}).Post(context.Background(), tt.e, tt.d))
			if we.Retryable || we.Err == nil {
				t.Errorf("got retryable %v err %v, want a permanent error with a reason", we.Retryable, we.Err)
			}
		})
	}
	if n := len(rcv.requests()); n != 0 {
		t.Errorf("receiver got %d requests, want 0", n)
	}
}

// roundTripFunc is an http.RoundTripper from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
