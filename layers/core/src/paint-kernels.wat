;; The painter's per-pixel loops: the flat colours at the output size, then the ink over them.
;; Built into paint-kernels.generated.ts by `npm run build:wasm`; driven by paint.ts, which
;; lays out the memory, makes one instance per picture, and answers `nearest` when the
;; colour cache misses. The memory is shared, so that a second instance on a worker thread
;; (helper-worker.ts) can paint the lower rows of the same picture: each keeps its carried
;; state (the globals below and its own scratch tables), and they share only the cache,
;; where both write the same byte for a cell, since `nearest` looks a cell up at its centre
;; whichever colour in it missed. The loops are the ones paint.ts had in TypeScript
;; (test/support/paint-reference.ts), line for line, and give the same bytes.
;;
;; Tables, all laid out by paint.ts:
;; - an axis (`$cx`, `$cy`, `$ix`, `$iy`): three i32 arrays of the output's length, one after
;;   the other: the first field pixel each output pixel samples, the second, and the second's
;;   weight in 1/256ths;
;; - spans (`$spans`): two i32 arrays of the field's length: for each field column, the first
;;   output column that samples it first, and one past the last;
;; - the colour cache (`$cache`): one byte per 5-bit-a-channel cell, 255 where not yet known;
;; - fill colours (`$colours`): packed RGB, three bytes a colour.
(module
  ;; The fill colour nearest to an sRGB colour, for a cache cell not yet known.
  (import "paint" "nearest" (func $nearest (param i32 i32 i32) (result i32)))
  (import "env" "memory" (memory 1 8192 shared))

  ;; Ink coverage at or below this is dropped (paint.ts's INK_FLOOR, set by `ink`).
  (global $inkFloor (mut i32) (i32.const 0))

;; The pair of colour field rows the flat row and the border list were made for.
  (global $rowPair (mut i32) (i32.const -1))
  (global $borderCount (mut i32) (i32.const 0))

  ;; Forgets what the previous rows carried over, so the next `fill` and `ink` may start at
  ;; any row; `floor` as `inkedRows` would set it.
  (func (export "restart") (param $floor i32)
    (global.set $rowPair (i32.const -1))
    (global.set $inkPair (i32.const -1))
    (global.set $inkFloor (local.get $floor)))

  ;; The fill colour of (r, g, b). Pencil tones by luminance when `scale` is above zero:
  ;; min(tones - 1, floor((299r + 587g + 114b) * scale)), in doubles as in TypeScript.
  ;; Otherwise the palette colour, through the cache. The loops below inline the cache's hit.
  (func $lookup
    (param $r i32) (param $g i32) (param $b i32)
    (param $cache i32) (param $tones i32) (param $scale f64) (result i32)
    (local $cell i32) (local $index i32)
    (if (f64.gt (local.get $scale) (f64.const 0))
      (then
        (local.set $index
          (i32.trunc_f64_s
            (f64.floor
              (f64.mul
                (f64.convert_i32_s
                  (i32.add
                    (i32.add
                      (i32.mul (local.get $r) (i32.const 299))
                      (i32.mul (local.get $g) (i32.const 587)))
                    (i32.mul (local.get $b) (i32.const 114))))
                (local.get $scale)))))
        (return
          (select
            (local.get $index)
            (i32.sub (local.get $tones) (i32.const 1))
            (i32.lt_s (local.get $index) (i32.sub (local.get $tones) (i32.const 1)))))))
    (local.set $cell
      (i32.add (local.get $cache)
        (i32.or
          (i32.or
            (i32.shl (i32.shr_u (local.get $r) (i32.const 3)) (i32.const 10))
            (i32.shl (i32.shr_u (local.get $g) (i32.const 3)) (i32.const 5)))
          (i32.shr_u (local.get $b) (i32.const 3)))))
    (local.set $index (i32.load8_u (local.get $cell)))
    (if (i32.eq (local.get $index) (i32.const 255))
      (then
        (local.set $index (call $nearest (local.get $r) (local.get $g) (local.get $b)))
        (i32.store8 (local.get $cell) (local.get $index))))
    (local.get $index))

  ;; Labels each pixel of the colour field at `colour` (`count` pixels, RGB) with its fill
  ;; colour, into `labels`.
  (func (export "label")
    (param $colour i32) (param $labels i32) (param $count i32)
    (param $cache i32) (param $tones i32) (param $scale f64)
    (local $p i32) (local $end i32) (local $in i32)
    (local.set $end (i32.add (local.get $labels) (local.get $count)))
    (local.set $p (local.get $labels))
    (local.set $in (local.get $colour))
    (loop $label
      (i32.store8 (local.get $p)
        (call $lookup
          (i32.load8_u (local.get $in))
          (i32.load8_u offset=1 (local.get $in))
          (i32.load8_u offset=2 (local.get $in))
          (local.get $cache) (local.get $tones) (local.get $scale)))
      (local.set $in (i32.add (local.get $in) (i32.const 3)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $label (i32.lt_u (local.get $p) (local.get $end)))))

  ;; Paints output rows `from` to `to` of `out` (width x height, RGB) in flat colours (see
  ;; Painting.fill in paint.ts), from the labelled colour field. Each row starts as a copy of
  ;; the flat row of its pair of field rows; the pixels of cells on a border between fill
  ;; colours are then interpolated and looked up one by one. `borders` has room for cw
  ;; columns, `flatRow` for one output row; both carry over from one call to the next, so
  ;; rows go in order. Called a band of rows at a time, so that the engine's optimising tier
  ;; takes over after the first few bands of the first picture.
  (func (export "fill")
    (param $colour i32) (param $labels i32) (param $cw i32)
    (param $cache i32) (param $tones i32) (param $scale f64) (param $colours i32)
    (param $cx i32) (param $cy i32) (param $spans i32) (param $borders i32) (param $flatRow i32)
    (param $out i32) (param $width i32) (param $height i32) (param $from i32) (param $to i32)
    (local $end i32) (local $y i32) (local $u i32) (local $k i32) (local $l i32)
    (local $c0 i32) (local $c1 i32) (local $pair i32)
    (local $start i32) (local $stop i32) (local $u1 i32) (local $o i32) (local $row i32)
    (local $rowBytes i32) (local $fy i32) (local $gy i32) (local $fx i32) (local $gx i32)
    (local $p0 i32) (local $p1 i32) (local $q0 i32) (local $q1 i32)
    (local $leftR i32) (local $leftG i32) (local $leftB i32)
    (local $rightR i32) (local $rightG i32) (local $rightB i32)
    (local $r i32) (local $g i32) (local $b i32) (local $cell i32) (local $index i32)
    (local $weights i32) (local $colour3 i32)
    (local $cxSecond i32) (local $cxWeight i32) (local $cySecond i32) (local $cyWeight i32)
    (local $spanEnd i32)
    (local.set $cxSecond (i32.add (local.get $cx) (i32.shl (local.get $width) (i32.const 2))))
    (local.set $cxWeight (i32.add (local.get $cxSecond) (i32.shl (local.get $width) (i32.const 2))))
    (local.set $cySecond (i32.add (local.get $cy) (i32.shl (local.get $height) (i32.const 2))))
    (local.set $cyWeight (i32.add (local.get $cySecond) (i32.shl (local.get $height) (i32.const 2))))
    (local.set $spanEnd (i32.add (local.get $spans) (i32.shl (local.get $cw) (i32.const 2))))
    (local.set $rowBytes (i32.mul (local.get $width) (i32.const 3)))
    (if (i32.eqz (local.get $from)) (then (global.set $rowPair (i32.const -1))))

    (local.set $y (local.get $from))
    (loop $rows
      (local.set $c0 (i32.mul (i32.load (i32.add (local.get $cy) (i32.shl (local.get $y) (i32.const 2)))) (local.get $cw)))
      (local.set $c1 (i32.mul (i32.load (i32.add (local.get $cySecond) (i32.shl (local.get $y) (i32.const 2)))) (local.get $cw)))
      (local.set $pair
        (i32.or
          (i32.shl (i32.load (i32.add (local.get $cy) (i32.shl (local.get $y) (i32.const 2)))) (i32.const 16))
          (i32.load (i32.add (local.get $cySecond) (i32.shl (local.get $y) (i32.const 2))))))
      (if (i32.ne (local.get $pair) (global.get $rowPair))
        (then
          ;; A new pair of field rows: paint its flat row and list its border cells once.
          (global.set $rowPair (local.get $pair))
          (global.set $borderCount (i32.const 0))
          (local.set $u (i32.const 0))
          (loop $cells
            (local.set $start (i32.load (i32.add (local.get $spans) (i32.shl (local.get $u) (i32.const 2)))))
            (local.set $stop (i32.load (i32.add (local.get $spanEnd) (i32.shl (local.get $u) (i32.const 2)))))
            (if (i32.lt_s (local.get $start) (local.get $stop))
              (then
                (local.set $u1 (i32.load (i32.add (local.get $cxSecond) (i32.shl (local.get $start) (i32.const 2)))))
                (local.set $l
                  (i32.load8_u (i32.add (local.get $labels) (i32.add (local.get $c0) (local.get $u)))))
                (if (i32.and
                      (i32.and
                        (i32.eq (local.get $l)
                          (i32.load8_u (i32.add (local.get $labels) (i32.add (local.get $c0) (local.get $u1)))))
                        (i32.eq (local.get $l)
                          (i32.load8_u (i32.add (local.get $labels) (i32.add (local.get $c1) (local.get $u))))))
                      (i32.eq (local.get $l)
                        (i32.load8_u (i32.add (local.get $labels) (i32.add (local.get $c1) (local.get $u1))))))
                  (then
                    ;; A flat cell: its columns of the flat row in its colour.
                    (local.set $colour3 (i32.add (local.get $colours) (i32.mul (local.get $l) (i32.const 3))))
                    (local.set $r (i32.load16_u align=1 (local.get $colour3)))
                    (local.set $b (i32.load8_u offset=2 (local.get $colour3)))
                    (local.set $o (i32.add (local.get $flatRow) (i32.mul (local.get $start) (i32.const 3))))
                    (local.set $end (i32.add (local.get $flatRow) (i32.mul (local.get $stop) (i32.const 3))))
                    (loop $flat
                      (i32.store16 align=1 (local.get $o) (local.get $r))
                      (i32.store8 offset=2 (local.get $o) (local.get $b))
                      (local.set $o (i32.add (local.get $o) (i32.const 3)))
                      (br_if $flat (i32.lt_u (local.get $o) (local.get $end)))))
                  (else
                    (i32.store
                      (i32.add (local.get $borders) (i32.shl (global.get $borderCount) (i32.const 2)))
                      (local.get $u))
                    (global.set $borderCount (i32.add (global.get $borderCount) (i32.const 1)))))))
            (local.set $u (i32.add (local.get $u) (i32.const 1)))
            (br_if $cells (i32.lt_u (local.get $u) (local.get $cw))))))

      (local.set $row (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $rowBytes))))
      (memory.copy (local.get $row) (local.get $flatRow) (local.get $rowBytes))

      ;; Border pixels: the colour field interpolated at this pixel (down the cell's two
      ;; columns once, then across for each pixel), then its fill colour.
      (local.set $fy (i32.load (i32.add (local.get $cyWeight) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $gy (i32.sub (i32.const 256) (local.get $fy)))
      (local.set $k (i32.const 0))
      (block $noBorders
        (br_if $noBorders (i32.eqz (global.get $borderCount)))
        (loop $border
          (local.set $u (i32.load (i32.add (local.get $borders) (i32.shl (local.get $k) (i32.const 2)))))
          (local.set $start (i32.load (i32.add (local.get $spans) (i32.shl (local.get $u) (i32.const 2)))))
          (local.set $stop (i32.load (i32.add (local.get $spanEnd) (i32.shl (local.get $u) (i32.const 2)))))
          (local.set $u1 (i32.load (i32.add (local.get $cxSecond) (i32.shl (local.get $start) (i32.const 2)))))
          (local.set $p0 (i32.add (local.get $colour) (i32.mul (i32.add (local.get $c0) (local.get $u)) (i32.const 3))))
          (local.set $p1 (i32.add (local.get $colour) (i32.mul (i32.add (local.get $c1) (local.get $u)) (i32.const 3))))
          (local.set $q0 (i32.add (local.get $colour) (i32.mul (i32.add (local.get $c0) (local.get $u1)) (i32.const 3))))
          (local.set $q1 (i32.add (local.get $colour) (i32.mul (i32.add (local.get $c1) (local.get $u1)) (i32.const 3))))
          (local.set $leftR
            (i32.add (i32.mul (i32.load8_u (local.get $p0)) (local.get $gy))
                     (i32.mul (i32.load8_u (local.get $p1)) (local.get $fy))))
          (local.set $leftG
            (i32.add (i32.mul (i32.load8_u offset=1 (local.get $p0)) (local.get $gy))
                     (i32.mul (i32.load8_u offset=1 (local.get $p1)) (local.get $fy))))
          (local.set $leftB
            (i32.add (i32.mul (i32.load8_u offset=2 (local.get $p0)) (local.get $gy))
                     (i32.mul (i32.load8_u offset=2 (local.get $p1)) (local.get $fy))))
          (local.set $rightR
            (i32.add (i32.mul (i32.load8_u (local.get $q0)) (local.get $gy))
                     (i32.mul (i32.load8_u (local.get $q1)) (local.get $fy))))
          (local.set $rightG
            (i32.add (i32.mul (i32.load8_u offset=1 (local.get $q0)) (local.get $gy))
                     (i32.mul (i32.load8_u offset=1 (local.get $q1)) (local.get $fy))))
          (local.set $rightB
            (i32.add (i32.mul (i32.load8_u offset=2 (local.get $q0)) (local.get $gy))
                     (i32.mul (i32.load8_u offset=2 (local.get $q1)) (local.get $fy))))
          (local.set $o (i32.add (local.get $row) (i32.mul (local.get $start) (i32.const 3))))
          (local.set $end (i32.add (local.get $row) (i32.mul (local.get $stop) (i32.const 3))))
          (local.set $weights (i32.add (local.get $cxWeight) (i32.shl (local.get $start) (i32.const 2))))
          (loop $pixels
            (local.set $fx (i32.load (local.get $weights)))
            (local.set $gx (i32.sub (i32.const 256) (local.get $fx)))
            (local.set $r
              (i32.shr_s
                (i32.add (i32.mul (local.get $leftR) (local.get $gx)) (i32.mul (local.get $rightR) (local.get $fx)))
                (i32.const 16)))
            (local.set $g
              (i32.shr_s
                (i32.add (i32.mul (local.get $leftG) (local.get $gx)) (i32.mul (local.get $rightG) (local.get $fx)))
                (i32.const 16)))
            (local.set $b
              (i32.shr_s
                (i32.add (i32.mul (local.get $leftB) (local.get $gx)) (i32.mul (local.get $rightB) (local.get $fx)))
                (i32.const 16)))
            ;; The cache's hit inline; a miss, or a pencil, goes through $lookup.
            (local.set $cell
              (i32.add (local.get $cache)
                (i32.or
                  (i32.or
                    (i32.shl (i32.shr_u (local.get $r) (i32.const 3)) (i32.const 10))
                    (i32.shl (i32.shr_u (local.get $g) (i32.const 3)) (i32.const 5)))
                  (i32.shr_u (local.get $b) (i32.const 3)))))
            (local.set $index (i32.load8_u (local.get $cell)))
            (if (i32.or
                  (i32.eq (local.get $index) (i32.const 255))
                  (f64.gt (local.get $scale) (f64.const 0)))
              (then
                (local.set $index
                  (call $lookup (local.get $r) (local.get $g) (local.get $b)
                    (local.get $cache) (local.get $tones) (local.get $scale)))))
            (local.set $colour3 (i32.add (local.get $colours) (i32.mul (local.get $index) (i32.const 3))))
            (i32.store16 align=1 (local.get $o) (i32.load16_u align=1 (local.get $colour3)))
            (i32.store8 offset=2 (local.get $o) (i32.load8_u offset=2 (local.get $colour3)))
            (local.set $weights (i32.add (local.get $weights) (i32.const 4)))
            (local.set $o (i32.add (local.get $o) (i32.const 3)))
            (br_if $pixels (i32.lt_u (local.get $o) (local.get $end))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $border (i32.lt_u (local.get $k) (global.get $borderCount)))))

      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $y) (local.get $to)))))

  ;; The pair of ink field rows the active list was made for.
  (global $inkPair (mut i32) (i32.const -1))
  (global $activeCount (mut i32) (i32.const 0))

;; A mask of the lowest `n` of sixteen bits: all sixteen from 16 up, none below 1.
  (func $firstBits (param $n i32) (result i32)
    (if (i32.ge_s (local.get $n) (i32.const 16)) (then (return (i32.const 0xffff))))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const 0))))
    (i32.sub (i32.shl (i32.const 1) (local.get $n)) (i32.const 1)))

  ;; Marks in `rows` (ih bytes) which rows of the ink field at `ink` (iw x ih, coverage
  ;; 0-255) have a pixel above `floor`, so can show ink.
  (func (export "inkedRows")
    (param $ink i32) (param $iw i32) (param $ih i32) (param $rows i32) (param $floor i32)
    (local $y i32) (local $p i32) (local $end i32)
    (global.set $inkFloor (local.get $floor))
    (loop $fieldRows
      (i32.store8 (i32.add (local.get $rows) (local.get $y)) (i32.const 0))
      (local.set $p (i32.add (local.get $ink) (i32.mul (local.get $y) (local.get $iw))))
      (local.set $end (i32.add (local.get $p) (local.get $iw)))
      (block $found
        (loop $scan
          (if (i32.gt_u (i32.load8_u (local.get $p)) (local.get $floor))
            (then
              (i32.store8 (i32.add (local.get $rows) (local.get $y)) (i32.const 1))
              (br $found)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br_if $scan (i32.lt_u (local.get $p) (local.get $end)))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $fieldRows (i32.lt_u (local.get $y) (local.get $ih))))
    (global.set $inkPair (i32.const -1)))

  ;; Lays the ink field at `ink` over output rows `from` to `to` of `out`, in place (see
  ;; Painting.layInk in paint.ts): coverage interpolated at each output pixel, above the
  ;; floor doubled, blended in with the ink colour at `strength` (1/256ths). Only field cells
  ;; with a corner above the floor are visited. The ink field needs 17 bytes of room after
  ;; it (see the chunks below). Call `inkedRows` first; `active` (iw i32s)
  ;; carries over from one call to the next, so rows go in order, a band at a time.
  (func (export "ink")
    (param $ink i32) (param $iw i32) (param $rows i32) (param $active i32)
    (param $ix i32) (param $iy i32) (param $spans i32)
    (param $out i32) (param $width i32) (param $height i32)
    (param $inkR i32) (param $inkG i32) (param $inkB i32) (param $strength i32)
    (param $from i32) (param $to i32)
    (local $y i32) (local $x i32) (local $u i32) (local $u1 i32) (local $k i32)
    (local $r0 i32) (local $r1 i32) (local $i0 i32) (local $i1 i32) (local $pair i32)
    (local $fy i32) (local $gy i32) (local $fx i32) (local $row i32) (local $o i32)
    (local $left i32) (local $right i32) (local $coverage i32) (local $a i32) (local $keep i32)
    (local $ixWeight i32) (local $iySecond i32) (local $iyWeight i32)
    (local $spanEnd i32) (local $stop i32) (local $rowBytes i32) (local $weights i32)
    (local $floor i32) (local $last i32) (local $bits i32) (local $floors v128)
    (local.set $ixWeight (i32.add (local.get $ix) (i32.shl (local.get $width) (i32.const 3))))
    (local.set $iySecond (i32.add (local.get $iy) (i32.shl (local.get $height) (i32.const 2))))
    (local.set $iyWeight (i32.add (local.get $iySecond) (i32.shl (local.get $height) (i32.const 2))))
    (local.set $spanEnd (i32.add (local.get $spans) (i32.shl (local.get $iw) (i32.const 2))))
    (local.set $rowBytes (i32.mul (local.get $width) (i32.const 3)))
    (local.set $floor (global.get $inkFloor))
    (local.set $last (i32.sub (local.get $iw) (i32.const 1)))
    (local.set $floors (i8x16.splat (local.get $floor)))

    (local.set $y (local.get $from))
    (loop $outRows
      (local.set $r0 (i32.load (i32.add (local.get $iy) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $r1 (i32.load (i32.add (local.get $iySecond) (i32.shl (local.get $y) (i32.const 2)))))
      (block $skip
        (br_if $skip
          (i32.eqz
            (i32.or
              (i32.load8_u (i32.add (local.get $rows) (local.get $r0)))
              (i32.load8_u (i32.add (local.get $rows) (local.get $r1))))))
        (local.set $i0 (i32.add (local.get $ink) (i32.mul (local.get $r0) (local.get $iw))))
        (local.set $i1 (i32.add (local.get $ink) (i32.mul (local.get $r1) (local.get $iw))))
        (local.set $pair (i32.or (i32.shl (local.get $r0) (i32.const 16)) (local.get $r1)))
        (if (i32.ne (local.get $pair) (global.get $inkPair))
          (then
;; Field columns with a corner above the floor, once per pair of field rows,
            ;; sixteen at a time: a bit per column whose own pixel (in either row) is above
            ;; the floor, or whose right neighbour's is, then each set bit in turn. The last
            ;; column has no right neighbour (it pairs with itself), and the last vector of a
            ;; row reads past it, so those bits are masked off.
            (global.set $inkPair (local.get $pair))
            (global.set $activeCount (i32.const 0))
            (local.set $u (i32.const 0))
            (loop $chunks
              (local.set $bits
                (i32.and
                  (i32.or
                    (i8x16.bitmask
                      (i8x16.gt_u
                        (i8x16.max_u
                          (v128.load align=1 (i32.add (local.get $i0) (local.get $u)))
                          (v128.load align=1 (i32.add (local.get $i1) (local.get $u))))
                        (local.get $floors)))
                    (i32.and
                      (i8x16.bitmask
                        (i8x16.gt_u
                          (i8x16.max_u
                            (v128.load offset=1 align=1 (i32.add (local.get $i0) (local.get $u)))
                            (v128.load offset=1 align=1 (i32.add (local.get $i1) (local.get $u))))
                          (local.get $floors)))
                      (call $firstBits (i32.sub (local.get $last) (local.get $u)))))
                  (call $firstBits (i32.sub (local.get $iw) (local.get $u)))))
              (block $listed
                (loop $columns
                  (br_if $listed (i32.eqz (local.get $bits)))
                  (i32.store
                    (i32.add (local.get $active) (i32.shl (global.get $activeCount) (i32.const 2)))
                    (i32.add (local.get $u) (i32.ctz (local.get $bits))))
                  (global.set $activeCount (i32.add (global.get $activeCount) (i32.const 1)))
                  (local.set $bits
                    (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
                  (br $columns)))
              (local.set $u (i32.add (local.get $u) (i32.const 16)))
              (br_if $chunks (i32.lt_u (local.get $u) (local.get $iw))))))
        (br_if $skip (i32.eqz (global.get $activeCount)))
        (local.set $fy (i32.load (i32.add (local.get $iyWeight) (i32.shl (local.get $y) (i32.const 2)))))
        (local.set $gy (i32.sub (i32.const 256) (local.get $fy)))
        (local.set $row (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $rowBytes))))
        (local.set $k (i32.const 0))
        (loop $cell
          (local.set $u (i32.load (i32.add (local.get $active) (i32.shl (local.get $k) (i32.const 2)))))
          (local.set $u1
            (select (i32.add (local.get $u) (i32.const 1)) (local.get $u)
              (i32.lt_u (local.get $u) (local.get $last))))
          ;; Down the column first, once per field cell; then across, once per output pixel.
          (local.set $left
            (i32.add
              (i32.mul (i32.load8_u (i32.add (local.get $i0) (local.get $u))) (local.get $gy))
              (i32.mul (i32.load8_u (i32.add (local.get $i1) (local.get $u))) (local.get $fy))))
          (local.set $right
            (i32.add
              (i32.mul (i32.load8_u (i32.add (local.get $i0) (local.get $u1))) (local.get $gy))
              (i32.mul (i32.load8_u (i32.add (local.get $i1) (local.get $u1))) (local.get $fy))))
          (local.set $x (i32.load (i32.add (local.get $spans) (i32.shl (local.get $u) (i32.const 2)))))
          (local.set $stop (i32.load (i32.add (local.get $spanEnd) (i32.shl (local.get $u) (i32.const 2)))))
          (block $done
            (br_if $done (i32.ge_s (local.get $x) (local.get $stop)))
            (local.set $weights (i32.add (local.get $ixWeight) (i32.shl (local.get $x) (i32.const 2))))
            (local.set $o (i32.add (local.get $row) (i32.mul (local.get $x) (i32.const 3))))
            (loop $pixels
              (local.set $fx (i32.load (local.get $weights)))
              (local.set $coverage
                (i32.shl
                  (i32.sub
                    (i32.shr_s
                      (i32.add
                        (i32.mul (local.get $left) (i32.sub (i32.const 256) (local.get $fx)))
                        (i32.mul (local.get $right) (local.get $fx)))
                      (i32.const 16))
                    (local.get $floor))
                  (i32.const 1)))
              (if (i32.gt_s (local.get $coverage) (i32.const 0))
                (then
                  (local.set $a
                    (i32.shr_s
                      (i32.mul
                        (select (local.get $coverage) (i32.const 255)
                          (i32.lt_s (local.get $coverage) (i32.const 255)))
                        (local.get $strength))
                      (i32.const 8)))
                  (local.set $keep (i32.sub (i32.const 255) (local.get $a)))
                  ;; (paint * keep + ink * a) / 255, where (v * 257 + 257) >> 16 is v / 255 to
                  ;; within one level, without a division.
                  (i32.store8 (local.get $o)
                    (i32.shr_s
                      (i32.add
                        (i32.mul
                          (i32.add
                            (i32.mul (i32.load8_u (local.get $o)) (local.get $keep))
                            (i32.mul (local.get $inkR) (local.get $a)))
                          (i32.const 257))
                        (i32.const 257))
                      (i32.const 16)))
                  (i32.store8 offset=1 (local.get $o)
                    (i32.shr_s
                      (i32.add
                        (i32.mul
                          (i32.add
                            (i32.mul (i32.load8_u offset=1 (local.get $o)) (local.get $keep))
                            (i32.mul (local.get $inkG) (local.get $a)))
                          (i32.const 257))
                        (i32.const 257))
                      (i32.const 16)))
                  (i32.store8 offset=2 (local.get $o)
                    (i32.shr_s
                      (i32.add
                        (i32.mul
                          (i32.add
                            (i32.mul (i32.load8_u offset=2 (local.get $o)) (local.get $keep))
                            (i32.mul (local.get $inkB) (local.get $a)))
                          (i32.const 257))
                        (i32.const 257))
                      (i32.const 16)))))
              (local.set $weights (i32.add (local.get $weights) (i32.const 4)))
              (local.set $o (i32.add (local.get $o) (i32.const 3)))
              (local.set $x (i32.add (local.get $x) (i32.const 1)))
              (br_if $pixels (i32.lt_s (local.get $x) (local.get $stop)))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $cell (i32.lt_u (local.get $k) (global.get $activeCount)))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $outRows (i32.lt_u (local.get $y) (local.get $to)))))
)
