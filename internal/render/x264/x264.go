//go:build cgo && !nox264

// Package x264 encodes yuv420p pictures to H.264 with libx264, in this
// process: the renderer's encoder (see render's doc.go, "The encoders").
//
// It exists for speed. A render's frames change little from one to the
// next (bars, a glow, a line of text, the time: about 6 % of the
// macroblocks), and libx264 can be told which macroblocks are unchanged
// (mb_info, X264_MBINFO_CONSTANT) and then skips their analysis. Neither
// that nor sharing the frame's memory is possible through ffmpeg's command
// line, where each frame also crosses a pipe. On the renderer's benchmark
// frames at 720p, one core encodes a frame in about 1.1 ms here, against
// 1.7 ms for the same library without mb_info and about 2.4 ms for an
// ffmpeg process reading the frames from a pipe.
//
// It needs cgo and libx264's headers (Debian: libx264-dev). Built without
// either (CGO_ENABLED=0, or the tag nox264), [Available] is false and the
// renderer runs ffmpeg processes instead. libx264 is GPL-2.0-or-later:
// a binary built with this package links it (docs/DECISIONS.md).
package x264

/*
#cgo LDFLAGS: -lx264
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <x264.h>
#include <malloc.h>

// mvgen_open opens an encoder for w×h yuv420p pictures at fps frames a
// second: preset ultrafast, tuned for zero latency (a picture's output
// comes out of the call that takes it, which mb_info needs), constant
// quantiser qp, one thread, keyframes only where asked for, SPS and PPS
// before each, BT.709 limited range.
static x264_t *mvgen_open(int w, int h, int fps, int qp) {
	x264_param_t p;
	if (x264_param_default_preset(&p, "ultrafast", "zerolatency") < 0) return NULL;
	p.i_width = w;
	p.i_height = h;
	p.i_csp = X264_CSP_I420;
	p.i_fps_num = fps;
	p.i_fps_den = 1;
	p.i_timebase_num = 1;
	p.i_timebase_den = fps;
	p.i_threads = 1;
	p.b_sliced_threads = 0;
	p.i_log_level = X264_LOG_NONE;
	p.i_keyint_max = X264_KEYINT_MAX_INFINITE;
	p.i_scenecut_threshold = 0;
	p.rc.i_rc_method = X264_RC_CQP;
	p.rc.i_qp_constant = qp;
	p.b_annexb = 1;
	p.b_repeat_headers = 1;
	p.analyse.b_mb_info = 1;
	p.vui.i_colorprim = 1; // BT.709
	p.vui.i_transfer = 1;
	p.vui.i_colmatrix = 1;
	p.vui.b_fullrange = 0;
	return x264_encoder_open(&p);
}

// mvgen_same reports whether a and b hold the same n bytes; n is small
// (a macroblock's row), so it compares eight bytes at a time inline
// instead of calling memcmp.
static inline int mvgen_same(const uint8_t *a, const uint8_t *b, int n) {
	int i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y) return 0;
	}
	for (; i < n; i++) {
		if (a[i] != b[i]) return 0;
	}
	return 1;
}

// mvgen_mb_info sets info[mb] to X264_MBINFO_CONSTANT for each macroblock
// whose pixels are the same in cur and prev (w×h yuv420p, w and h even),
// and to 0 for the others. The macroblocks of the last row and column may
// stick out of the picture; their pixels inside it are compared (libx264
// pads the picture by repeating its edges, so the rest follows). When
// changed is not NULL, only the macroblocks it marks (non-zero) are
// compared: the others are the same.
static void mvgen_mb_info(uint8_t *info, const uint8_t *cur, const uint8_t *prev, const uint8_t *changed, int w, int h) {
	int mbw = (w + 15) / 16, mbh = (h + 15) / 16, cw = w / 2, ch = h / 2;
	const uint8_t *cu = cur + w * h, *pu = prev + w * h;
	const uint8_t *cv = cu + cw * ch, *pv = pu + cw * ch;
	for (int my = 0; my < mbh; my++) {
		int rows = h - my * 16 < 16 ? h - my * 16 : 16;
		size_t y0 = (size_t)my * 16 * w, c0 = (size_t)my * 8 * cw;
		for (int mx = 0; mx < mbw; mx++) {
			int cols = w - mx * 16 < 16 ? w - mx * 16 : 16;
			int same = 1;
			if (changed == NULL || changed[my * mbw + mx]) {
				for (int r = 0; r < rows && same; r++) {
					size_t o = y0 + (size_t)r * w + mx * 16;
					same = mvgen_same(cur + o, prev + o, cols);
				}
				for (int r = 0; r < rows / 2 && same; r++) {
					size_t o = c0 + (size_t)r * cw + mx * 8;
					same = mvgen_same(cu + o, pu + o, cols / 2) && mvgen_same(cv + o, pv + o, cols / 2);
				}
			}
			info[my * mbw + mx] = same ? X264_MBINFO_CONSTANT : 0;
		}
	}
}

// mvgen_encode encodes the w×h yuv420p picture pic (copied by libx264
// before the call returns) with presentation time pts, as an IDR picture
// when idr is set. When prev (the picture encoded before) is not NULL and
// the picture is no IDR, its macroblocks equal to prev's are marked in
// info (see mvgen_mb_info, which changed is passed to) and given to
// libx264 as mb_info: one call into C a picture. It returns the size of
// the picture's NAL units, which *out points to (valid until the next
// call), or a negative number on failure, -2 when libx264 held the
// picture back instead of encoding it.
static int mvgen_encode(x264_t *e, uint8_t *pic, const uint8_t *prev, const uint8_t *changed, uint8_t *info,
		int w, int h, int64_t pts, int idr, uint8_t **out) {
	if (prev != NULL && !idr) {
		mvgen_mb_info(info, pic, prev, changed, w, h);
	} else {
		info = NULL;
	}
	x264_picture_t in, res;
	x264_picture_init(&in);
	in.img.i_csp = X264_CSP_I420;
	in.img.i_plane = 3;
	in.img.plane[0] = pic;
	in.img.plane[1] = pic + w * h;
	in.img.plane[2] = pic + w * h + (w / 2) * (h / 2);
	in.img.i_stride[0] = w;
	in.img.i_stride[1] = w / 2;
	in.img.i_stride[2] = w / 2;
	in.i_pts = pts;
	in.i_type = idr ? X264_TYPE_IDR : X264_TYPE_AUTO;
	in.prop.mb_info = info;
	x264_nal_t *nal;
	int n;
	int size = x264_encoder_encode(e, &nal, &n, &in, &res);
	if (size < 0) return -1;
	if (size == 0 || x264_encoder_delayed_frames(e) > 0) return -2;
	*out = nal[0].p_payload; // the NAL units of one call are contiguous
	return size;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// Available reports whether this build encodes in process.
const Available = true

// Encoder is one libx264 encoder running in one thread. Its methods must
// not be called concurrently.
type Encoder struct {
	e    *C.x264_t
	w, h int
	info *C.uint8_t // mb_info, one byte a macroblock, in C memory: libx264 keeps the pointer with the picture
}

// Open returns an encoder of w×h yuv420p pictures (w and h even) at fps
// frames a second with constant quantiser qp.
func Open(w, h, fps, qp int) (*Encoder, error) {
	if w <= 0 || h <= 0 || w%2 != 0 || h%2 != 0 {
		return nil, fmt.Errorf("x264: a %d×%d picture: yuv420p needs even sides", w, h)
	}
	e := C.mvgen_open(C.int(w), C.int(h), C.int(fps), C.int(qp))
	if e == nil {
		return nil, errors.New("x264: libx264 refused the parameters")
	}
	return &Encoder{e: e, w: w, h: h, info: (*C.uint8_t)(C.malloc(C.size_t(MacroblockCount(w, h))))}, nil
}

// Encode encodes pic, w×h yuv420p (w·h·3/2 bytes), and appends its H.264
// NAL units (Annex B) to out. idr makes it an IDR picture, which starts
// with the SPS and PPS and references nothing before it. prev, when not
// nil, is the picture encoded just before (by this encoder, as a P or IDR
// picture): the macroblocks equal in both are marked constant, and libx264
// skips them without analysis. changed, when not nil, has a byte for each
// macroblock (row by row, the last row and column sticking out of the
// picture when its sides are no multiples of 16), zero where pic is known
// to equal prev: only the others are compared. pts is the picture's
// number.
func (e *Encoder) Encode(out, pic, prev, changed []byte, idr bool, pts int64) ([]byte, error) {
	size := e.w * e.h * 3 / 2
	switch {
	case len(pic) != size || prev != nil && len(prev) != size:
		return out, fmt.Errorf("x264: a picture is %d bytes, want %d", len(pic), size)
	case changed != nil && len(changed) != MacroblockCount(e.w, e.h):
		return out, fmt.Errorf("x264: %d macroblocks marked, want %d", len(changed), MacroblockCount(e.w, e.h))
	}
	var prevp, changedp *C.uint8_t
	if prev != nil {
		prevp = (*C.uint8_t)(&prev[0])
	}
	if changed != nil {
		changedp = (*C.uint8_t)(&changed[0])
	}
	var nal *C.uint8_t
	n := C.mvgen_encode(e.e, (*C.uint8_t)(&pic[0]), prevp, changedp, e.info, C.int(e.w), C.int(e.h), C.int64_t(pts),
		cbool(idr), &nal)
	switch {
	case n == -2:
		return out, errors.New("x264: libx264 delayed a picture")
	case n < 0:
		return out, errors.New("x264: libx264 failed to encode a picture")
	}
	return append(out, unsafe.Slice((*byte)(nal), int(n))...), nil
}

// Close frees the encoder, and gives the C heap's free pages back to the
// system: libx264's buffers come from glibc's malloc, whose per-thread
// arenas keep freed memory, so a service rendering all day on changing
// threads held more after each hour (a 30-minute soak grew from 154 to
// 182 MB of RSS with 5 MB of Go heap in use; with the trim it stays near
// 100 MB, TestFaultSoak).
func (e *Encoder) Close() {
	if e.e != nil {
		C.x264_encoder_close(e.e)
		C.free(unsafe.Pointer(e.info))
		C.malloc_trim(0)
		e.e = nil
	}
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
