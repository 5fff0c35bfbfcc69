import { useState } from 'react'

/**
 * Keyset paging of a log: the `after` of each page shown so far, the last being the current page
 * (null for the first), so that going back needs no cursor from the server.
 */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(number | null)[]>([null])
  return {
    after: cursors.at(-1) ?? null,
    atFirst: cursors.length <= 1,
    restart: () => setCursors([null]),
    back: () => setCursors((c) => c.slice(0, -1)),
    forward: (next: number) => setCursors((c) => [...c, next]),
  }
}

/** Back, forward and refresh buttons under a paged log. */
export function PageButtons({
  pages,
  next,
  labels,
  onRefresh,
}: {
  pages: ReturnType<typeof useCursorPages>
  /** The server's `next` of the page shown: null or absent on the last one. */
  next: number | null | undefined
  labels: { back: string; forward: string; refresh: string }
  onRefresh: () => void
}) {
  return (
    <div className="actions">
      <button type="button" disabled={pages.atFirst} onClick={pages.back}>
        {labels.back}
      </button>
      <button
        type="button"
        disabled={next === null || next === undefined}
        onClick={() => {
          if (next !== null && next !== undefined) pages.forward(next)
        }}
      >
        {labels.forward}
      </button>
      <button type="button" onClick={onRefresh}>
        {labels.refresh}
      </button>
    </div>
  )
}
