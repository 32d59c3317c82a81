/**
 * Strings of the floor pages (the request form, the request list, the label sheet and the
 * technician page), in English and German. Every key is in both (test/text/floor-requests.spec.ts).
 * `{name}` placeholders are filled by `fill`.
 */
export const FLOOR_TEXT = {
  en: {
    requestTitle: 'Report a problem',
    asset: 'Asset',
    whatIsWrong: 'What is wrong?',
    whatIsWrongHint: 'What do you see, hear or smell? Since when?',
    photo: 'Photo (optional)',
    yourName: 'Your name',
    send: 'Send request',
    sending: 'Sending...',
    sent: 'Request {number} sent. A planner will look at it.',
    another: 'Report another problem',
    unknownAsset: 'Unknown asset: {asset}',
    loggedInAs: 'Logged in as {user}',
    photosNeedLogin: 'Photos can be added after logging in.',
    requests: 'Work requests',
    noRequests: 'No new requests.',
    approve: 'Approve',
    reject: 'Reject',
    reason: 'Reason',
    approved: 'Approved: {order}',
    rejected: 'Rejected: {reason}',
    requestedBy: '{user}, {at}',
    labels: 'Asset labels',
    labelHint: 'Scan to report a problem',
    print: 'Print',
    techTitle: 'Technician',
    name: 'Name',
    openCalls: 'Open Andon calls',
    acknowledge: 'Acknowledge',
    myOrders: 'My work orders',
    unassigned: 'Unassigned',
    takeIt: 'Take it',
    start: 'Start',
    complete: 'Complete',
    close: 'Close',
    done: 'Done, to close',
    repairMin: 'Repair (min)',
    downtimeMin: 'Downtime (min)',
    partsUsed: 'Parts used',
    addPart: 'Add part',
    note: 'Note',
    checklist: 'Checklist',
    required: 'required',
    tickedBy: '{user}, {at}',
    photos: 'Photos',
    addPhoto: 'Add photo',
    photoAdded: 'Photo added',
    healthBack: '{asset}: back to normal (health {score})',
    healthStill: '{asset}: still {state} (health {score})',
    healthUnknown: '{asset}: {state}',
    nothing: 'Nothing for you right now.',
    error: 'Error: {text}',
  },
  de: {
    requestTitle: 'Problem melden',
    asset: 'Anlage',
    whatIsWrong: 'Was ist los?',
    whatIsWrongHint: 'Was sehen, hören oder riechen Sie? Seit wann?',
    photo: 'Foto (optional)',
    yourName: 'Ihr Name',
    send: 'Meldung senden',
    sending: 'Wird gesendet...',
    sent: 'Meldung {number} gesendet. Die Planung sieht sie sich an.',
    another: 'Weiteres Problem melden',
    unknownAsset: 'Unbekannte Anlage: {asset}',
    loggedInAs: 'Angemeldet als {user}',
    photosNeedLogin: 'Fotos können nach der Anmeldung angehängt werden.',
    requests: 'Arbeitsanforderungen',
    noRequests: 'Keine neuen Meldungen.',
    approve: 'Freigeben',
    reject: 'Ablehnen',
    reason: 'Grund',
    approved: 'Freigegeben: {order}',
    rejected: 'Abgelehnt: {reason}',
    requestedBy: '{user}, {at}',
    labels: 'Anlagenetiketten',
    labelHint: 'Scannen, um ein Problem zu melden',
    print: 'Drucken',
    techTitle: 'Instandhaltung',
    name: 'Name',
    openCalls: 'Offene Andon-Rufe',
    acknowledge: 'Quittieren',
    myOrders: 'Meine Aufträge',
    unassigned: 'Nicht zugewiesen',
    takeIt: 'Übernehmen',
    start: 'Beginnen',
    complete: 'Abschließen',
    close: 'Schließen',
    done: 'Erledigt, zu schließen',
    repairMin: 'Reparatur (min)',
    downtimeMin: 'Stillstand (min)',
    partsUsed: 'Verbrauchte Teile',
    addPart: 'Teil hinzufügen',
    note: 'Notiz',
    checklist: 'Checkliste',
    required: 'Pflicht',
    tickedBy: '{user}, {at}',
    photos: 'Fotos',
    addPhoto: 'Foto hinzufügen',
    photoAdded: 'Foto hinzugefügt',
    healthBack: '{asset}: wieder normal (Zustand {score})',
    healthStill: '{asset}: weiterhin {state} (Zustand {score})',
    healthUnknown: '{asset}: {state}',
    nothing: 'Gerade nichts für Sie.',
    error: 'Fehler: {text}',
  },
} as const;

export type FloorLang = keyof typeof FLOOR_TEXT;
export type FloorKey = keyof (typeof FLOOR_TEXT)['en'];

/** The language of an Accept-Language header or a locale (`de-DE` -> de), English otherwise. */
export function floorLang(v: unknown): FloorLang {
  return typeof v === 'string' && /^\s*de\b/i.test(v) ? 'de' : 'en';
}

/** One string with its {placeholders} filled. */
export function floorText(lang: FloorLang, key: FloorKey, vars: Record<string, string | number> = {}): string {
  return fill(FLOOR_TEXT[lang][key], vars);
}

export function fill(s: string, vars: Record<string, string | number>): string {
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m));
}
