package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestPost_Status(t *testing.T) {
	tests := []struct {
		status    int
		retryable bool
	}{
		{http.StatusRequestTimeout, true},
		{http.StatusTooEarly, true},
		{http.StatusTooManyRequests, true},
		{http.StatusInternalServerError, true},
		{http.StatusBadGateway, true},
		{http.StatusServiceUnavailable, true},
		{http.StatusGatewayTimeout, true},
		{http.StatusBadRequest, false},
		{http.StatusForbidden, false},
		{http.StatusNotFound, false},
		{http.StatusConflict, false},
		{http.StatusUnprocessableEntity, false},
		{http.StatusNotModified, false},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			rcv, srv := MustReceiver(t, tt.status)
			rcv.body = "shipment SHP-1 unknown"
			if tt.status == http.StatusNotModified {
				rcv.body = "" // a 304 has no body
			}
			we := MustError(t, (&Client{}).Post(t.Context(), Endpoint{ID: "erp-hook", URL: srv.URL, Secret: testSecret}, testDelivery))
			if we.Status != tt.status {
				t.Errorf("status: got %d, want %d", we.Status, tt.status)
			}
			if we.Retryable != tt.retryable {
				t.Errorf("retryable: got %v, want %v", we.Retryable, tt.retryable)
			}
			if we.Body != rcv.body {
				t.Errorf("body: got %q, want %q", we.Body, rcv.body)
			}
			if msg := we.Error(); !strings.Contains(msg, "erp-hook") || !strings.Contains(msg, strconv.Itoa(tt.status)) {
				t.Errorf("message %q does not name the endpoint and the status", msg)
			}
		})
	}
}

func TestPost_BodyTruncated(t *testing.T) {
	rcv, srv := MustReceiver(t, http.StatusBadRequest)
	rcv.body = strings.Repeat("x", 2000)
	we := MustError(t, (&Client{}).Post(t.Context(), Endpoint{URL: srv.URL, Secret: testSecret}, testDelivery))
	if want := strings.Repeat("x", 512); we.Body != want {
		t.Errorf("body: got %d bytes, want the first 512", len(we.Body))
	}
}

func TestPost_RetryAfter(t *testing.T) {
	tests := map[string]struct {
		status     int
		retryAfter string
		want       time.Duration
	}{
		"429Seconds":   {http.StatusTooManyRequests, "7", 7 * time.Second},
		"503Seconds":   {http.StatusServiceUnavailable, " 3 ", 3 * time.Second},
		"429Zero":      {http.StatusTooManyRequests, "0", 0},
		"429Absent":    {http.StatusTooManyRequests, "", 0},
		"429Date":      {http.StatusTooManyRequests, "Wed, 21 Oct 2037 07:28:00 GMT", 0},
		"429Negative":  {http.StatusTooManyRequests, "-5", 0},
		"429Huge":      {http.StatusTooManyRequests, "99999999999999999", MaxRetryAfter},
		"500Ignored":   {http.StatusInternalServerError, "7", 0},
		"400Ignored":   {http.StatusBadRequest, "7", 0},
		"429Fractions": {http.StatusTooManyRequests, "1.5", 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			rcv, srv := MustReceiver(t, tt.status)
			if tt.retryAfter != "" {
				rcv.header.Set("Retry-After", tt.retryAfter)
			}
			we := MustError(t, (&Client{}).Post(t.Context(), Endpoint{URL: srv.URL, Secret: testSecret}, testDelivery))
			if we.RetryAfter != tt.want {
				t.Errorf("RetryAfter: got %v, want %v", we.RetryAfter, tt.want)
			}
		})
	}
}

func TestPost_ConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()

	we := MustError(t, (&Client{}).Post(t.Context(), Endpoint{ID: "erp-hook", URL: url, Secret: testSecret}, testDelivery))
	if !we.Retryable || we.Status != 0 {
		t.Errorf("got status %d retryable %v, want no status, retryable", we.Status, we.Retryable)
	}
	if !errors.Is(we, syscall.ECONNREFUSED) {
		t.Errorf("got %v, want connection refused", we)
	}
}

func TestPost_Timeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: no handler outlives the test

	c := &Client{Timeout: 100 * time.Millisecond}
	start := time.Now()
	err := c.Post(t.Context(), Endpoint{URL: srv.URL, Secret: testSecret}, testDelivery)
	elapsed := time.Since(start)

	we := MustError(t, err)
	if !we.Retryable || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v retryable %v, want a retryable deadline error", err, we.Retryable)
	}
	if elapsed > 5*time.Second {
		t.Errorf("Post took %v, want about the 100ms timeout", elapsed)
	}
}

func TestPost_CallerCancels(t *testing.T) {
	_, srv := MustReceiver(t, http.StatusOK)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := (&Client{}).Post(ctx, Endpoint{URL: srv.URL, Secret: testSecret}, testDelivery)
	we := MustError(t, err)
	if !errors.Is(err, context.Canceled) || !we.Retryable {
		t.Errorf("got %v retryable %v, want context.Canceled, retryable", err, we.Retryable)
	}
}
