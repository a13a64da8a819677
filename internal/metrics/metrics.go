// Package metrics holds the hub's Prometheus collectors (PRODUCT.md §11.3):
// counters and histograms the components move as files arrive, are
// ingested, acknowledged and delivered, and figures read from the store at
// scrape time. Every series is prefixed clearway_. The collectors live in a
// registry the hub owns; a nil *Metrics is valid and records nothing, so a
// component without metrics (the CLI, tests) needs no special case.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every series.
const Namespace = "clearway"

// Directions of a remote partner server's transfers (RemoteError).
const (
	DirectionPull = "pull"
	DirectionPush = "push"
)

// Metrics is the set of collectors the components move. Create it with New.
type Metrics struct {
	// FilesReceived counts files journaled by the intake, by partner and
	// channel (sftp, watch, remote, cli, web, api).
	FilesReceived *prometheus.CounterVec
	// FilesIngested counts files the pipeline settled, by partner and final
	// state (done, rejected, duplicate).
	FilesIngested *prometheus.CounterVec
	// IngestDuration is how long the pipeline took over one file, in seconds.
	IngestDuration prometheus.Histogram
	// SFTPSessions is the number of SFTP sessions open now.
	SFTPSessions prometheus.Gauge
	// SFTPAuthFailures counts refused SFTP login attempts, by method
	// (publickey, password, keyboard-interactive).
	SFTPAuthFailures *prometheus.CounterVec
	// Bans counts addresses banned for repeated login failures (any door).
	Bans prometheus.Counter
	// OutboundDelivered counts files outbound jobs put in partners' outboxes,
	// by partner and job.
	OutboundDelivered *prometheus.CounterVec
	// OutboundFailed counts outbound job runs that ended in an error, by
	// partner and job.
	OutboundFailed *prometheus.CounterVec
	// RemoteErrors counts failed pulls from and pushes to partners' own SFTP
	// servers, by partner and direction (pull, push).
	RemoteErrors *prometheus.CounterVec
	// AckLatency is the time from a file's receipt to its 997 or 999
	// written to the partner's outbox, in seconds, by kind.
	AckLatency *prometheus.HistogramVec
	// NotificationDeliveries counts notifications sent, by channel (smtp,
	// webhook, inbox) and outcome (sent, failed).
	NotificationDeliveries *prometheus.CounterVec
}

// ingestBuckets spans a small CSV (milliseconds) to a large workbook.
var ingestBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}

// ackBuckets spans an ack written with its file's commit to one a crash or a
// failed write kept queued until the worker's retry.
var ackBuckets = []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}

// New creates the collectors and registers them with reg; it fails when one
// of them is registered there already.
func New(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		FilesReceived: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "files_received_total",
			Help: "Files journaled by the intake, by partner and channel."}, []string{"partner", "channel"}),
		FilesIngested: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "files_ingested_total",
			Help: "Files the ingest pipeline settled, by partner and final state (done, rejected, duplicate)."}, []string{"partner", "state"}),
		IngestDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "ingest_duration_seconds",
			Help: "Time the ingest pipeline took over one file.", Buckets: ingestBuckets}),
		SFTPSessions: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "sftp_sessions_open",
			Help: "SFTP sessions open now."}),
		SFTPAuthFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "sftp_auth_failures_total",
			Help: "Refused SFTP login attempts, by method."}, []string{"method"}),
		Bans: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "bans_total",
			Help: "Addresses banned after repeated login failures (SFTP and web)."}),
		OutboundDelivered: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "outbound_delivered_total",
			Help: "Files outbound jobs delivered to partners' outboxes, by partner and job."}, []string{"partner", "job"}),
		OutboundFailed: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "outbound_failed_total",
			Help: "Outbound job runs that failed, by partner and job."}, []string{"partner", "job"}),
		RemoteErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "remote_errors_total",
			Help: "Failed pulls from and pushes to partners' SFTP servers, by partner and direction."}, []string{"partner", "direction"}),
		AckLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "ack_latency_seconds",
			Help: "Time from a file's receipt to its 997 or 999 written to the partner's outbox.", Buckets: ackBuckets}, []string{"kind"}),
		NotificationDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "notification_deliveries_total",
			Help: "Notifications delivered, by channel and outcome (sent, failed)."}, []string{"channel", "outcome"}),
	}
	for _, c := range []prometheus.Collector{m.FilesReceived, m.FilesIngested, m.IngestDuration, m.SFTPSessions,
		m.SFTPAuthFailures, m.Bans, m.OutboundDelivered, m.OutboundFailed, m.RemoteErrors, m.AckLatency, m.NotificationDeliveries} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// FileReceived counts a file journaled from partner over channel.
func (m *Metrics) FileReceived(partner, channel string) {
	if m != nil {
		m.FilesReceived.WithLabelValues(partner, channel).Inc()
	}
}

// FileIngested counts a file of partner settled in state, after took.
func (m *Metrics) FileIngested(partner, state string, took time.Duration) {
	if m != nil {
		m.FilesIngested.WithLabelValues(partner, state).Inc()
		m.IngestDuration.Observe(took.Seconds())
	}
}

// SFTPSessionOpened counts an SFTP session in; SFTPSessionClosed out.
func (m *Metrics) SFTPSessionOpened() {
	if m != nil {
		m.SFTPSessions.Inc()
	}
}

// SFTPSessionClosed counts an SFTP session out.
func (m *Metrics) SFTPSessionClosed() {
	if m != nil {
		m.SFTPSessions.Dec()
	}
}

// SFTPAuthFailed counts a refused SFTP login attempt by method.
func (m *Metrics) SFTPAuthFailed(method string) {
	if m != nil {
		m.SFTPAuthFailures.WithLabelValues(method).Inc()
	}
}

// Banned counts an address banned.
func (m *Metrics) Banned() {
	if m != nil {
		m.Bans.Inc()
	}
}

// OutboundRun counts what one run of partner's job did: files delivered,
// and whether it failed.
func (m *Metrics) OutboundRun(partner, job string, delivered int, failed bool) {
	if m == nil {
		return
	}
	m.OutboundDelivered.WithLabelValues(partner, job).Add(float64(delivered))
	if failed {
		m.OutboundFailed.WithLabelValues(partner, job).Inc()
	}
}

// RemoteError counts a failed pull or push (DirectionPull, DirectionPush)
// with partner's server.
func (m *Metrics) RemoteError(partner, direction string) {
	if m != nil {
		m.RemoteErrors.WithLabelValues(partner, direction).Inc()
	}
}

// AckWritten records an acknowledgement of kind (997, 999) written latency
// after its file was received.
func (m *Metrics) AckWritten(kind string, latency time.Duration) {
	if m != nil {
		m.AckLatency.WithLabelValues(kind).Observe(max(latency, 0).Seconds())
	}
}

// NotificationDelivered counts a notification over channel with its
// outcome ("sent" or "failed").
func (m *Metrics) NotificationDelivered(channel, outcome string) {
	if m != nil {
		m.NotificationDeliveries.WithLabelValues(channel, outcome).Inc()
	}
}

// Handler serves the registry's series in the Prometheus text format. A
// collector that fails is reported to errorLog and left out; the other
// series are still served.
func Handler(g prometheus.Gatherer, errorLog promhttp.Logger) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorLog: errorLog, ErrorHandling: promhttp.ContinueOnError})
}
