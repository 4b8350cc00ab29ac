;; The analysis' per-pixel kernels, most sixteen pixels at a time with WebAssembly SIMD: the
;; outlines' luma, median, blurs and coverage, and the colour field's halving and blur.
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

  ;; One pass of a separable blur: for each of `height` rows and each x below `width`,
  ;; dst[y * dstStride + x] = (sum over t of w[t] * src[y * srcStride + x + t * step] + 128) >> 8,
  ;; with `taps` 16-bit weights at `weights` that sum to 256, so no lane passes 65,408 and
  ;; nothing wraps. `step` is 1 along the rows and the stride down the columns; the caller
  ;; repeats the edges into the source's border, so there are no edge cases here. Sixteen
  ;; pixels at a time: each row's last vector reads and writes up to fifteen bytes past
  ;; `width`.
  (func (export "blur")
    (param $src i32) (param $srcStride i32) (param $step i32)
    (param $dst i32) (param $dstStride i32) (param $width i32) (param $height i32)
    (param $weights i32) (param $taps i32)
    (local $y i32) (local $x i32) (local $in i32) (local $w i32) (local $last i32)
    (local $v v128) (local $k v128) (local $low v128) (local $high v128)
    (local.set $last (i32.add (local.get $weights) (i32.shl (local.get $taps) (i32.const 1))))
    (loop $rows
      (local.set $x (i32.const 0))
      (loop $pixels
        (local.set $low (v128.const i16x8 128 128 128 128 128 128 128 128))
        (local.set $high (local.get $low))
        (local.set $in
          (i32.add (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $srcStride)))
            (local.get $x)))
        (local.set $w (local.get $weights))
        (loop $taps
          (local.set $v (v128.load align=1 (local.get $in)))
          (local.set $k (v128.load16_splat (local.get $w)))
          (local.set $low
            (i16x8.add (local.get $low) (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $v)) (local.get $k))))
          (local.set $high
            (i16x8.add (local.get $high) (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $v)) (local.get $k))))
          (local.set $in (i32.add (local.get $in) (local.get $step)))
          (local.set $w (i32.add (local.get $w) (i32.const 2)))
          (br_if $taps (i32.lt_u (local.get $w) (local.get $last))))
        (v128.store align=1
          (i32.add (i32.add (local.get $dst) (i32.mul (local.get $y) (local.get $dstStride))) (local.get $x))
          (i8x16.narrow_i16x8_u
            (i16x8.shr_u (local.get $low) (i32.const 8))
            (i16x8.shr_u (local.get $high) (i32.const 8))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br_if $pixels (i32.lt_u (local.get $x) (local.get $width))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $y) (local.get $height)))))

  ;; Halves the packed image at `src` (sw x sh, `channels` bytes a pixel) into `dst`
  ;; (ceil(sw / 2) x ceil(sh / 2), packed), each output pixel the mean of a 2x2 block, an odd
  ;; last column or row paired with itself: down first, sixteen bytes at a time into the row
  ;; at `row`, then across, a byte at a time. Both rounded half up, as i8x16.avgr_u:
  ;; (a + b + 1) >> 1. The last vector of a row reads up to fifteen bytes past it.
  (func (export "halve")
    (param $src i32) (param $sw i32) (param $sh i32) (param $channels i32)
    (param $dst i32) (param $row i32)
    (local $y i32) (local $dh i32) (local $dw i32) (local $rowBytes i32) (local $i i32)
    (local $top i32) (local $bottom i32) (local $x i32) (local $c i32) (local $left i32)
    (local $right i32) (local $out i32) (local $lastPixel i32)
    (local.set $rowBytes (i32.mul (local.get $sw) (local.get $channels)))
    (local.set $dh (i32.shr_u (i32.add (local.get $sh) (i32.const 1)) (i32.const 1)))
    (local.set $dw (i32.shr_u (i32.add (local.get $sw) (i32.const 1)) (i32.const 1)))
    (local.set $lastPixel (i32.mul (i32.sub (local.get $sw) (i32.const 1)) (local.get $channels)))
    (local.set $out (local.get $dst))
    (loop $rows
      (local.set $top
        (i32.add (local.get $src) (i32.mul (i32.shl (local.get $y) (i32.const 1)) (local.get $rowBytes))))
      (local.set $bottom (i32.add (local.get $top) (local.get $rowBytes)))
      (if (i32.ge_u (i32.add (i32.shl (local.get $y) (i32.const 1)) (i32.const 1)) (local.get $sh))
        (then (local.set $bottom (local.get $top))))
      (local.set $i (i32.const 0))
      (loop $down
        (v128.store align=1 (i32.add (local.get $row) (local.get $i))
          (i8x16.avgr_u
            (v128.load align=1 (i32.add (local.get $top) (local.get $i)))
            (v128.load align=1 (i32.add (local.get $bottom) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $down (i32.lt_u (local.get $i) (local.get $rowBytes))))
      (local.set $x (i32.const 0))
      (loop $across
        (local.set $left (i32.add (local.get $row) (i32.mul (i32.shl (local.get $x) (i32.const 1)) (local.get $channels))))
        (local.set $right (i32.add (local.get $left) (local.get $channels)))
        (if (i32.gt_u (i32.sub (local.get $right) (local.get $row)) (local.get $lastPixel))
          (then (local.set $right (local.get $left))))
        (local.set $c (i32.const 0))
        (loop $channel
          (i32.store8 (local.get $out)
            (i32.shr_u
              (i32.add
                (i32.add
                  (i32.load8_u (i32.add (local.get $left) (local.get $c)))
                  (i32.load8_u (i32.add (local.get $right) (local.get $c))))
                (i32.const 1))
              (i32.const 1)))
          (local.set $out (i32.add (local.get $out) (i32.const 1)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br_if $channel (i32.lt_u (local.get $c) (local.get $channels))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $across (i32.lt_u (local.get $x) (local.get $dw))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $y) (local.get $dh)))))

  ;; Luma of the packed RGB image at `rgb` (width x height) into the frame at `frame` (see
  ;; above; the border is left to the caller): Rec. 601's weights in 256ths,
  ;; (77r + 150g + 29b + 128) >> 8, on the gamma-encoded values, as JPEG's own colour
  ;; conversion does. Sixteen pixels at a time, in 16-bit lanes (at most 65408, so nothing
  ;; wraps); the last vector of a row reads up to 45 bytes past it, so `rgb` needs that
  ;; much room after the image.
  (func (export "luma")
    (param $rgb i32) (param $frame i32) (param $stride i32) (param $width i32) (param $height i32)
    (local $y i32) (local $in i32) (local $out i32) (local $end i32)
    (local $a v128) (local $b v128) (local $c v128)
    (local $r v128) (local $g v128) (local $bl v128)
    (loop $rows
      (local.set $in (i32.add (local.get $rgb) (i32.mul (i32.mul (local.get $y) (local.get $width)) (i32.const 3))))
      (local.set $out
        (i32.add
          (i32.add (local.get $frame) (i32.mul (i32.add (local.get $y) (i32.const 2)) (local.get $stride)))
          (i32.const 2)))
      (local.set $end (i32.add (local.get $out) (local.get $width)))
      (loop $pixels
        (local.set $a (v128.load align=1 (local.get $in)))
        (local.set $b (v128.load offset=16 align=1 (local.get $in)))
        (local.set $c (v128.load offset=32 align=1 (local.get $in)))
        ;; Each channel's sixteen bytes: eleven from the first two vectors, then the last
        ;; five from the third.
        (local.set $r
          (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 17 20 23 26 29
            (i8x16.shuffle 0 3 6 9 12 15 18 21 24 27 30 0 0 0 0 0 (local.get $a) (local.get $b))
            (local.get $c)))
        (local.set $g
          (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 18 21 24 27 30
            (i8x16.shuffle 1 4 7 10 13 16 19 22 25 28 31 0 0 0 0 0 (local.get $a) (local.get $b))
            (local.get $c)))
        (local.set $bl
          (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 16 19 22 25 28 31
            (i8x16.shuffle 2 5 8 11 14 17 20 23 26 29 0 0 0 0 0 0 (local.get $a) (local.get $b))
            (local.get $c)))
        (v128.store align=1 (local.get $out)
          (i8x16.narrow_i16x8_u
            (call $luma8
              (i16x8.extend_low_i8x16_u (local.get $r))
              (i16x8.extend_low_i8x16_u (local.get $g))
              (i16x8.extend_low_i8x16_u (local.get $bl)))
            (call $luma8
              (i16x8.extend_high_i8x16_u (local.get $r))
              (i16x8.extend_high_i8x16_u (local.get $g))
              (i16x8.extend_high_i8x16_u (local.get $bl)))))
        (local.set $in (i32.add (local.get $in) (i32.const 48)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br_if $pixels (i32.lt_u (local.get $out) (local.get $end))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $y) (local.get $height)))))

  ;; (77r + 150g + 29b + 128) >> 8 in eight 16-bit lanes.
  (func $luma8 (param $r v128) (param $g v128) (param $b v128) (result v128)
    (i16x8.shr_u
      (i16x8.add
        (i16x8.add
          (i16x8.mul (local.get $r) (v128.const i16x8 77 77 77 77 77 77 77 77))
          (i16x8.mul (local.get $g) (v128.const i16x8 150 150 150 150 150 150 150 150)))
        (i16x8.add
          (i16x8.mul (local.get $b) (v128.const i16x8 29 29 29 29 29 29 29 29))
          (v128.const i16x8 128 128 128 128 128 128 128 128)))
      (i32.const 8)))
)
