package dashboard

// brokerRow gathers one broker's response times, in hours.
type brokerRow struct {
	shipments            map[int64]bool
	toFile, toRelease    []float64
	toAnswer             []float64
	notFiled, unanswered int
}

// brokerResponse shows, per broker, how long it took from the packet being
// FILE_READY to the first evidence of filing, from filing to release, and
// to answer a question put to it, with the counts behind each figure.
func brokerResponse(q Query, in *Input) []Section {
	rows := map[string]*brokerRow{}
	get := func(p string) *brokerRow {
		if rows[p] == nil {
			rows[p] = &brokerRow{shipments: map[int64]bool{}}
		}
		return rows[p]
	}
	brokersOf := map[int64][]string{}
	for i := range in.Shipments {
		s := &in.Shipments[i]
		for _, p := range partiesOf(s, in.Roles, "broker") {
			if onlyOwn(q, in, "broker") && p.Partner != q.Partner {
				continue // a broker asked for sees its own figures only
			}
			brokersOf[s.ID] = append(brokersOf[s.ID], p.Partner)
			r := get(p.Partner)
			if inRange(s.ReadyAt, q.From, q.To) {
				r.shipments[s.ID] = true
				switch {
				case s.FiledAt.IsZero():
					r.notFiled++
				case !s.FiledAt.Before(s.ReadyAt):
					r.toFile = append(r.toFile, hours(s.FiledAt.Sub(s.ReadyAt)))
				}
			}
			if inRange(s.FiledAt, q.From, q.To) && !s.ReleasedAt.IsZero() && !s.ReleasedAt.Before(s.FiledAt) {
				r.shipments[s.ID] = true
				r.toRelease = append(r.toRelease, hours(s.ReleasedAt.Sub(s.FiledAt)))
			}
		}
	}
	for _, qu := range in.Questions {
		if !inRange(qu.Created, q.From, q.To) {
			continue
		}
		for _, b := range brokersOf[qu.Shipment] {
			if qu.AskedPartner == b {
				continue // its own question
			}
			r := get(b)
			r.shipments[qu.Shipment] = true
			if at, ok := firstAnswerBy(qu, b); ok {
				r.toAnswer = append(r.toAnswer, hours(at.Sub(qu.Created)))
			} else {
				r.unanswered++
			}
		}
	}
	return []Section{brokerSection(rows)}
}

func brokerSection(rows map[string]*brokerRow) Section {
	sec := Section{Key: "brokers", Title: "Response times per broker",
		Note: "Ready → filed: shipments that became FILE_READY in the range, to the first message proving the entry filed. " +
			"Filed → released: entries first filed in the range, to release. Answer: questions asked in the range on the broker's shipments " +
			"by someone else, to the broker's first answer. Medians and p90 (nearest rank) in hours.",
		Columns: []Column{{"broker", "Broker", ""},
			{"ready_to_filed_n", "Ready → filed: shipments", "count"}, {"ready_to_filed_median_h", "median", "hours"}, {"ready_to_filed_p90_h", "p90", "hours"},
			{"not_filed", "Ready, not filed yet", "count"},
			{"filed_to_released_n", "Filed → released: entries", "count"}, {"filed_to_released_median_h", "median", "hours"}, {"filed_to_released_p90_h", "p90", "hours"},
			{"questions_answered", "Questions answered", "count"}, {"answer_median_h", "median", "hours"}, {"answer_p90_h", "p90", "hours"},
			{"questions_unanswered", "Unanswered", "count"}},
		Chart: Chart{Kind: "bars", Unit: "hours (median)"}}
	file, release, answer := Series{Name: "Ready → filed"}, Series{Name: "Filed → released"}, Series{Name: "Answer a question"}
	for _, b := range sortedKeys(rows) {
		r := rows[b]
		cells := []any{b, len(r.toFile), median(r.toFile), p90(r.toFile), r.notFiled,
			len(r.toRelease), median(r.toRelease), p90(r.toRelease),
			len(r.toAnswer), median(r.toAnswer), p90(r.toAnswer), r.unanswered}
		sec.Rows = append(sec.Rows, Row{Key: b, Cells: cells, Shipments: ids(r.shipments)})
		sec.Chart.Labels, sec.Chart.Keys = append(sec.Chart.Labels, b), append(sec.Chart.Keys, b)
		file.Values = append(file.Values, Number(cells[2]))
		release.Values = append(release.Values, Number(cells[6]))
		answer.Values = append(answer.Values, Number(cells[9]))
	}
	sec.Chart.Series = []Series{file, release, answer}
	return sec
}
