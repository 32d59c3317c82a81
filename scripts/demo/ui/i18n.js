    // Shared by the floor pages: scripts/make-flows.js pastes this into the methods of line, asset,
    // maintenance, kanban, tech and nav, and the dictionary (nodes/core/text/dashboard.json) into data.dict.
    // Language per screen: ?lang=de in the URL (a floor TV), else the toggle kept in localStorage,
    // else the browser's language.
    t (k) {
      const d = (this.dict && this.dict[this.lang]) || {}
      // a key the dictionary lacks (a new Andon kind, a new work-order source) shows its last part
      return Object.prototype.hasOwnProperty.call(d, k) ? d[k] : ((this.dict && this.dict.en && this.dict.en[k]) || String(k).slice(String(k).lastIndexOf('.') + 1))
    },
    initLang () {
      let l = null
      try {
        const q = new URLSearchParams(window.location.search).get('lang')
        if (q === 'de' || q === 'en') { l = q; window.localStorage.setItem('rel-lang', q) }
      } catch (e) { /* no URL */ }
      if (!l) try { l = window.localStorage.getItem('rel-lang') } catch (e) { /* private mode */ }
      if (!l) l = String((window.navigator && window.navigator.language) || 'en').toLowerCase().startsWith('de') ? 'de' : 'en'
      this.lang = l === 'de' ? 'de' : 'en'
    },
    toggleLang () {
      this.lang = this.lang === 'de' ? 'en' : 'de'
      try { window.localStorage.setItem('rel-lang', this.lang) } catch (e) { /* private mode */ }
      // the header title and the navigation follow (nav.vue)
      try { window.dispatchEvent(new CustomEvent('rel-lang', { detail: this.lang })) } catch (e) { /* no window */ }
      try {
        const u = new URL(window.location.href)
        if (u.searchParams.has('lang')) { u.searchParams.set('lang', this.lang); window.history.replaceState(window.history.state, '', u.toString()) }
      } catch (e) { /* no URL */ }
      this.$nextTick(() => { if (this.fixSvg) this.fixSvg() })
    },
    /** A number in the screen's language: d decimals, grouped from 10,000. */
    n (x, d) {
      if (typeof x !== 'number' || !isFinite(x)) return '-'
      return x.toLocaleString(this.lang === 'de' ? 'de-DE' : 'en-US', { minimumFractionDigits: d, maximumFractionDigits: d, useGrouping: Math.abs(x) >= 10000 })
    },
    /** A time in the plant's time zone (tz of the line state): "14:05:09", or with the date. */
    clock (t, withDate) {
      if (!t) return '-'
      const o = withDate ? { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }
      const loc = this.lang === 'de' ? 'de-DE' : 'en-GB'
      try { return new Date(t).toLocaleString(loc, Object.assign({ timeZone: this.tz || 'UTC' }, o)) } catch (e) { return new Date(t).toLocaleString(loc, Object.assign({ timeZone: 'UTC' }, o)) }
    },
    /** A count (parts, units): whole, rounded up, since a fraction cannot be ordered or held (10454.2 -> 10,455); '-' without one. */
    whole (x) { return typeof x === 'number' && isFinite(x) ? this.n(Math.ceil(x - 1e-9), 0) : '-' },
    /** A work order's title in the screen's language: a demo PM task's name (names {en, de} from the line state), else rel-view's (view.titles: written again from the order's mode and machine when rel-work-order wrote it), else as stored. */
    woTitle (w) { const v = this.line && this.line.view && this.line.view.titles ? this.line.view.titles[String(w.id)] : null; return (w.names && w.names[this.lang]) || (v && v[this.lang]) || w.title },
    /** A checklist step in the screen's language: the German text of the demo task's steps (w.names.steps, by the stored English text), else as typed. */
    stepText (w, s) { const t = w.names && w.names.steps && Object.prototype.hasOwnProperty.call(w.names.steps, s.text) ? w.names.steps[s.text] : null; return (this.lang === 'de' && typeof t === 'string' && t) || s.text },
