    // The Widgets page's cells and chart legends in the screen's language: scripts/make-flows.js
    // pastes these methods into nav.vue (after i18n.js) and the page's table and chart spec into
    // data.widgetText; test/floor/widgets-text.spec.ts runs them in Node against order-title.ts.
    /** A dictionary text in language `l` (whatever the screen's), '' when there is none. */
    tIn (l, k) {
      const d = this.dict && this.dict[l]
      return d && Object.prototype.hasOwnProperty.call(d, k) ? d[k] : ''
    },
    /** What rel-work-order writes for `mode` in language `l` (sentences.ts faultPhrase), '' for a mode it has no words for. */
    faultIn (l, mode, where) {
      const p = this.tIn(l, 'widgets.fault.' + mode)
      if (!p) return ''
      if (p.indexOf('{where}') < 0) return where ? '' : p
      return p.replace('{where}', where ? this.tIn(l, 'widgets.where.' + where) : '')
    },
    /** "<what is wrong> – <machine>" with an optional " (health 9 of 100)", as rel-work-order writes a title (sentences.ts workOrderTitle). */
    titleIn (l, phrase, name, score) {
      return phrase + ' \u2013 ' + name + (score === null || score === undefined ? '' : this.tIn(l, 'widgets.titleScore').replace('{n}', String(score)))
    },
    faultModes () { return Object.keys((this.dict && this.dict.en) || {}).filter((k) => k.indexOf('widgets.fault.') === 0).map((k) => k.slice(14)) },
    /**
     * A work order's title in the screen's language: written again, with the machine's name, when it
     * is exactly what rel-work-order wrote for this order's mode (any mode when not given) and a name
     * the machine goes by (its id or its name); any other title (typed, a PM task, a request) as
     * stored. The rule of nodes/core/text/order-title.ts (parseOrderTitle, orderTitleIn).
     */
    orderTitle (title, mode, asset, assetName) {
      if (typeof title !== 'string' || !title || title.slice(-1) === '\u2026') return title
      const own = typeof assetName === 'string' && assetName.trim() ? assetName.trim() : null
      const names = [asset, assetName].filter((x) => typeof x === 'string' && x.trim()).map((x) => x.trim())
      if (mode && title === mode + ' on ' + asset) {
        const ph = this.faultIn(this.lang, mode, '')
        return ph ? this.titleIn(this.lang, ph, own || asset, null) : title
      }
      const m = /\s\((?:health|Zustand) (\d{1,3}) (?:of|von) 100\)$/.exec(title)
      const scores = m ? [Number(m[1]), null] : [null]
      for (const md of mode ? [mode] : this.faultModes()) {
        for (const l of ['en', 'de']) {
          for (const where of ['', 'DE', 'NDE']) {
            const ph = this.faultIn(l, md, where)
            if (!ph || title.indexOf(ph + ' \u2013 ') !== 0) continue
            for (const nm of names) for (const sc of scores) if (this.titleIn(l, ph, nm, sc) === title) return this.titleIn(this.lang, this.faultIn(this.lang, md, where), own || nm, sc)
          }
        }
      }
      return title
    },
    /** An Andon call's text: "WO-000001 <the order's title>" (a call a work order raised) with the title in the screen's language. */
    andonText (text, station, name) {
      if (typeof text !== 'string') return text
      const m = /^(WO-\d+ )([\s\S]*)$/.exec(text)
      return m ? m[1] + this.orderTitle(m[2], null, station, name) : this.orderTitle(text, null, station, name)
    },
    /** One table cell in the screen's language; `kind` from data.widgetText.tables. */
    cellText (kind, v, row) {
      const none = v === null || v === undefined || v === ''
      if (kind === 'status' || kind === 'kind' || kind === 'andonState' || kind === 'priority') return none ? '' : this.t('widgets.' + kind + '.' + v)
      if (kind === 'level') return typeof v === 'number' ? (v > 0 ? this.t('line.levelN').replace('{n}', String(v)) : this.t('line.level0')) : (none ? '' : v)
      if (kind === 'title') return this.orderTitle(v, row.mode, row.asset, row.assetName)
      if (kind === 'andonText') return this.andonText(v, row.station, row.assetName)
      if (kind === 'machine') return row.assetName || (none ? '' : v)
      if (kind === 'names') return (row.names && row.names[this.lang]) || (none ? '' : v)
      if (kind === 'whole') return this.whole(v)
      const d = /^dec(\d)$/.exec(kind)
      if (d) return this.n(v, Number(d[1]))
      return none ? '' : v
    },
    /**
     * The rows of the page's tables: each row gets `_t`, its cells in the screen's language (the
     * columns show `_t.<key>`; the row keeps the node's codes). Again for each new table message
     * and when the language changes.
     */
    translateRows () {
      const spec = this.widgetText && this.widgetText.tables
      const msgs = this.$store && this.$store.state.data && this.$store.state.data.messages
      if (!spec || !msgs) return
      for (const id of Object.keys(spec)) {
        const rows = msgs[id] && msgs[id].payload
        if (!Array.isArray(rows)) continue
        for (const r of rows) {
          if (!r || typeof r !== 'object') continue
          // the plant's time zone (the rows' times are written in it), for the charts' time axis
          if (typeof r.tz === 'string' && r.tz && r.tz !== this.tz) this.tz = r.tz
          const t = { lang: this.lang }
          for (const k of Object.keys(spec[id])) t[k] = this.cellText(spec[id][k], r[k], r)
          if (!r._t || JSON.stringify(r._t) !== JSON.stringify(t)) r._t = t
        }
      }
    },
    /**
     * A chart's legend and tooltip in the screen's language: series names from widgets.series.*,
     * figures in its number format; on a time axis (the readings' own time, msg.ts) the labels as
     * dates and times of the plant's time zone.
     */
    chartOpts (time) {
      const name = (s) => this.has('widgets.series.' + s) ? this.t('widgets.series.' + s) : String(s)
      const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
      const fig = (y) => typeof y === 'number' && isFinite(y) ? y.toLocaleString(this.lang === 'de' ? 'de-DE' : 'en-US', { maximumFractionDigits: Math.abs(y) < 1 ? 4 : 1, useGrouping: Math.abs(y) >= 10000 }) : '-'
      const o = {
        legend: { formatter: name },
        tooltip: {
          formatter: (ps) => {
            const a = Array.isArray(ps) ? ps : [ps]
            const x = a.length && Array.isArray(a[0].value) ? a[0].value[0] : null
            const head = time && typeof x === 'number' ? esc(this.clock(x, true)) + '<br>' : a.length && a[0].axisValueLabel !== undefined ? esc(a[0].axisValueLabel) + '<br>' : ''
            return head + a.map((p) => (p.marker || '') + esc(name(p.seriesName)) + ': ' + fig(Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value)).join('<br>')
          }
        }
      }
      if (time) o.xAxis = { axisLabel: { formatter: (v) => this.clock(v, true) } }
      return o
    },
    /** Vuetify's own words on the stock widgets (an empty table's "No data available") in the screen's language. */
    vuetifyWords () {
      const l = this.$vuetify && this.$vuetify.locale
      if (!l || !l.messages || typeof l.messages !== 'object') return
      const name = 'rel-' + this.lang
      if (!l.messages[name]) l.messages[name] = Object.assign({}, l.messages.en || {}, { noDataText: this.t('widgets.noData') })
      if (l.current !== name) l.current = name
    },
    /** The stock charts drawn now (the Vue components of ui-chart). */
    liveCharts () {
      const out = []
      const seen = new Set()
      const walk = (v, d) => {
        if (!v || d > 400) return
        const c = v.component
        if (c && !seen.has(c)) {
          seen.add(c)
          if (c.type && c.type.name === 'DBUIChart' && c.proxy && c.proxy.chart) out.push(c.proxy)
          walk(c.subTree, d + 1)
        }
        for (const k of ['children', 'dynamicChildren']) if (Array.isArray(v[k])) for (const ch of v[k]) if (ch && typeof ch === 'object') walk(ch, d + 1)
      }
      try { walk(document.querySelector('#app').__vue_app__._container._vnode, 0) } catch (e) { /* no app */ }
      return out
    },
    /** Legends and tooltips: in each chart's props (a chart drawn later takes them when it mounts), and in the charts drawn now. */
    applyCharts () {
      const widgets = (this.$store && this.$store.state.ui && this.$store.state.ui.widgets) || {}
      const spec = (this.widgetText && this.widgetText.charts) || []
      this.chartDone = this.chartDone || {}
      for (const id of spec) {
        const p = widgets[id] && widgets[id].props
        if (!p) continue
        const done = this.chartDone[id]
        if (done && done.lang === this.lang && done.props === p) continue
        this.$store.commit('ui/setProperty', { item: 'widget', itemId: id, property: 'props', value: Object.assign({}, p, { chartOptions: this.chartOpts(p.xAxisType === 'time') }) })
        this.chartDone[id] = { lang: this.lang, props: widgets[id].props }
      }
      for (const c of this.liveCharts()) if (spec.includes(c.id)) try { c.chart.setOption(this.chartOpts(c.props && c.props.xAxisType === 'time')) } catch (e) { /* disposed */ }
    },
