;; The outline stage's per-pixel kernels, sixteen pixels at a time with WebAssembly SIMD.
;; Built into ink-kernels.generated.ts by `npm run build:wasm`; driven by ink.ts, which
;; lays the images out in memory and documents the layout (see `Frame` there).
;;
;; Every image here is a frame: `stride` bytes a row, with pixel (x, y) at
;; base + (y + 2) * stride + x + 2, so that two rows and two columns of border lie around
;; it on every side. The kernels read the border and write only the image, sixteen pixels
;; at a time, so the last vector of a row also writes up to fifteen bytes of border beyond
;; the image's right edge: `stride` leaves room for them.
(module
  (memory (export "memory") 1)

  ;; Median of three, lane by lane: max(min(a, b), min(max(a, b), c)).
  (func $median3 (param $a v128) (param $b v128) (param $c v128) (result v128)
    (i8x16.max_u
      (i8x16.min_u (local.get $a) (local.get $b))
      (i8x16.min_u (i8x16.max_u (local.get $a) (local.get $b)) (local.get $c))))

  ;; Median of five, lane by lane: the larger of the two pairs' minima and the smaller of
  ;; their maxima drop one extreme from each end; the median of those two and `e` (the
  ;; centre) is the median of all five.
  (func $median5 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (param $e v128)
    (result v128)
    (call $median3
      (local.get $e)
      (i8x16.max_u
        (i8x16.min_u (local.get $a) (local.get $b))
        (i8x16.min_u (local.get $c) (local.get $d)))
      (i8x16.min_u
        (i8x16.max_u (local.get $a) (local.get $b))
        (i8x16.max_u (local.get $c) (local.get $d)))))

  ;; Median along each row of the frame at `src` into the frame at `dst` (window 3 or 5);
  ;; the two border columns each side of `src` must repeat the edge pixels.
  (func (export "rowMedian")
    (param $src i32) (param $dst i32) (param $stride i32) (param $width i32) (param $height i32)
    (param $window i32)
    (local $y i32) (local $in i32) (local $out i32) (local $end i32)
    (loop $rows
      ;; $in points at pixel (0, y) less two, so offsets 0..4 are x-2..x+2.
      (local.set $in (i32.add (local.get $src) (i32.mul (i32.add (local.get $y) (i32.const 2)) (local.get $stride))))
      (local.set $out (i32.add (local.get $dst) (i32.sub (local.get $in) (local.get $src))))
      (local.set $out (i32.add (local.get $out) (i32.const 2)))
      (local.set $end (i32.add (local.get $in) (local.get $width)))
      (loop $pixels
        (v128.store align=1 (local.get $out)
          (if (result v128) (i32.eq (local.get $window) (i32.const 5))
            (then
              (call $median5
                (v128.load offset=0 align=1 (local.get $in))
                (v128.load offset=1 align=1 (local.get $in))
                (v128.load offset=3 align=1 (local.get $in))
                (v128.load offset=4 align=1 (local.get $in))
                (v128.load offset=2 align=1 (local.get $in))))
            (else
              (call $median3
                (v128.load offset=1 align=1 (local.get $in))
                (v128.load offset=2 align=1 (local.get $in))
                (v128.load offset=3 align=1 (local.get $in))))))
        (local.set $in (i32.add (local.get $in) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br_if $pixels (i32.lt_u (local.get $in) (local.get $end))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $y) (local.get $height)))))

  ;; Median down each column of the frame at `src` into the frame at `dst` (window 3 or 5);
  ;; the two border rows above and below `src` must repeat the edge rows.
  (func (export "columnMedian")
    (param $src i32) (param $dst i32) (param $stride i32) (param $width i32) (param $height i32)
    (param $window i32)
    (local $y i32) (local $here i32) (local $out i32) (local $end i32)
    (local $up2 i32) (local $up1 i32) (local $down1 i32) (local $down2 i32)
    (local.set $up1 (i32.sub (i32.const 0) (local.get $stride)))
    (local.set $up2 (i32.mul (local.get $up1) (i32.const 2)))
    (local.set $down1 (local.get $stride))
    (local.set $down2 (i32.mul (local.get $stride) (i32.const 2)))
    (loop $rows
      (local.set $here
        (i32.add
          (i32.add (local.get $src) (i32.mul (i32.add (local.get $y) (i32.const 2)) (local.get $stride)))
          (i32.const 2)))
      (local.set $out (i32.add (local.get $dst) (i32.sub (local.get $here) (local.get $src))))
      (local.set $end (i32.add (local.get $here) (local.get $width)))
      (loop $pixels
        (v128.store align=1 (local.get $out)
          (if (result v128) (i32.eq (local.get $window) (i32.const 5))
            (then
              (call $median5
                (v128.load align=1 (i32.add (local.get $here) (local.get $up2)))
                (v128.load align=1 (i32.add (local.get $here) (local.get $up1)))
                (v128.load align=1 (i32.add (local.get $here) (local.get $down1)))
                (v128.load align=1 (i32.add (local.get $here) (local.get $down2)))
                (v128.load align=1 (local.get $here))))
            (else
              (call $median3
                (v128.load align=1 (i32.add (local.get $here) (local.get $up1)))
                (v128.load align=1 (local.get $here))
                (v128.load align=1 (i32.add (local.get $here) (local.get $down1)))))))
        (local.set $here (i32.add (local.get $here) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br_if $pixels (i32.lt_u (local.get $here) (local.get $end))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $y) (local.get $height)))))

  ;; Ink coverage from a difference of Gaussians, over `count` bytes (a multiple of 16):
  ;; (wide - narrow - threshold) * step, clamped to 0..255. In 16-bit lanes, so nothing
  ;; wraps: |wide - narrow| <= 255 and 255 * step must stay under 32768.
  (func (export "coverage")
    (param $narrow i32) (param $wide i32) (param $out i32) (param $count i32)
    (param $threshold i32) (param $step i32)
    (local $i i32) (local $t v128) (local $s v128) (local $n v128) (local $w v128)
    (local.set $t (i16x8.splat (local.get $threshold)))
    (local.set $s (i16x8.splat (local.get $step)))
    (loop $pixels
      (local.set $n (v128.load align=1 (i32.add (local.get $narrow) (local.get $i))))
      (local.set $w (v128.load align=1 (i32.add (local.get $wide) (local.get $i))))
      (v128.store align=1 (i32.add (local.get $out) (local.get $i))
        (i8x16.narrow_i16x8_u
          (i16x8.mul
            (i16x8.sub
              (i16x8.sub
                (i16x8.extend_low_i8x16_u (local.get $w))
                (i16x8.extend_low_i8x16_u (local.get $n)))
              (local.get $t))
            (local.get $s))
          (i16x8.mul
            (i16x8.sub
              (i16x8.sub
                (i16x8.extend_high_i8x16_u (local.get $w))
                (i16x8.extend_high_i8x16_u (local.get $n)))
              (local.get $t))
            (local.get $s))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $pixels (i32.lt_u (local.get $i) (local.get $count)))))
)
