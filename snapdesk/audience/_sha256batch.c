/* Batch SHA-256 and whole-chunk email normalization for snapdesk.audience (optional extension).
 *
 * Self-contained: SHA-256 is implemented here (FIPS 180-4), with a portable C compression
 * function and, on x86-64 CPUs that have them, the SHA extensions (chosen at import time).
 * Every function releases the GIL while it works. The Python code falls back to hashlib and
 * numpy when this module is missing (no C compiler at install time).
 *
 * The email check accepts exactly what `snapdesk.core.identity.normalize` (the one authority of
 * every pipeline) accepts for a plain ASCII line and computes the same normalized value
 * (trimmed, lowercased); every other line (non-ASCII, so any invisible character such as U+FEFF
 * or U+200B and any no-break space; a quote, an invalid address, an over-long cell, ...) is
 * flagged and decided by the Python rules. The phone check likewise (see phone_chunk).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_SHANI_CODE 1
#include <cpuid.h>
#include <immintrin.h>
#endif

/* ------------------------------------------------------------------------------- SHA-256 */

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static const uint32_t H256[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static inline uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void blocks_portable(uint32_t st[8], const uint8_t *data, size_t nblocks) {
    uint32_t w[64];
    while (nblocks--) {
        for (int t = 0; t < 16; t++) w[t] = load_be32(data + 4 * t);
        for (int t = 16; t < 64; t++) {
            uint32_t s0 = ROTR(w[t - 15], 7) ^ ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = ROTR(w[t - 2], 17) ^ ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
        uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
        for (int t = 0; t < 64; t++) {
            uint32_t S1 = ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25);
            uint32_t ch = (e & f) ^ (~e & g);
            uint32_t t1 = h + S1 + ch + K256[t] + w[t];
            uint32_t S0 = ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22);
            uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
            uint32_t t2 = S0 + maj;
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        st[0] += a;
        st[1] += b;
        st[2] += c;
        st[3] += d;
        st[4] += e;
        st[5] += f;
        st[6] += g;
        st[7] += h;
        data += 64;
    }
}

#ifdef HAVE_SHANI_CODE
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_shani(uint32_t st[8],
                                                                     const uint8_t *data,
                                                                     size_t nblocks) {
    const __m128i MASK = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)&st[0]);
    __m128i state1 = _mm_loadu_si128((const __m128i *)&st[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);                /* CDAB */
    state1 = _mm_shuffle_epi32(state1, 0x1B);          /* EFGH */
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);  /* ABEF */
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);       /* CDGH */
    while (nblocks--) {
        __m128i abef = state0, cdgh = state1, msg, w[4];
        for (int i = 0; i < 4; i++)
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * i)), MASK);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 16
#endif
        for (int g = 0; g < 16; g++) {
            if (g >= 4) {
                __m128i x = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
                w[g & 3] = _mm_sha256msg2_epu32(x, w[(g + 3) & 3]);
            }
            msg = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)&K256[4 * g]));
            state1 = _mm_sha256rnds2_epu32(state1, state0, msg);
            msg = _mm_shuffle_epi32(msg, 0x0E);
            state0 = _mm_sha256rnds2_epu32(state0, state1, msg);
        }
        state0 = _mm_add_epi32(state0, abef);
        state1 = _mm_add_epi32(state1, cdgh);
        data += 64;
    }
    tmp = _mm_shuffle_epi32(state0, 0x1B);        /* FEBA */
    state1 = _mm_shuffle_epi32(state1, 0xB1);     /* DCHG */
    state0 = _mm_blend_epi16(tmp, state1, 0xF0);  /* DCBA */
    state1 = _mm_alignr_epi8(state1, tmp, 8);     /* ABEF */
    _mm_storeu_si128((__m128i *)&st[0], state0);
    _mm_storeu_si128((__m128i *)&st[4], state1);
}

static int cpu_has_shani(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 19)) || !(c & (1u << 9))) return 0; /* SSE4.1, SSSE3 */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & (1u << 29)) != 0; /* SHA */
}
#endif

typedef void (*blocks_fn)(uint32_t[8], const uint8_t *, size_t);
static blocks_fn sha_blocks = blocks_portable;
static const char *sha_backend = "portable";

/* SHA-256 of p[0..n) into out[32]. */
static void sha256(const uint8_t *p, size_t n, uint8_t *out) {
    uint32_t st[8];
    uint8_t tail[128];
    memcpy(st, H256, sizeof st);
    size_t full = n / 64;
    if (full) sha_blocks(st, p, full);
    size_t rest = n - full * 64;
    memcpy(tail, p + full * 64, rest);
    tail[rest] = 0x80;
    size_t tail_len = rest < 56 ? 64 : 128;
    memset(tail + rest + 1, 0, tail_len - rest - 1 - 8);
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++) tail[tail_len - 1 - i] = (uint8_t)(bits >> (8 * i));
    sha_blocks(st, tail, tail_len / 64);
    for (int i = 0; i < 8; i++) store_be32(out + 4 * i, st[i]);
}

/* --------------------------------------------------------------------------- email rules */

enum { C_OTHER = 0, C_LETTER, C_DIGIT, C_DASH, C_DOT, C_AT, C_SPECIAL, C_SPACE };
enum { ST_HASHED = 0, ST_PREHASHED = 1, ST_BLANK = 2, ST_FLAGGED = 3, ST_DROPPED = 4, ST_NATIONAL = 5 };
#define KEEP_STATUS(s) ((s) <= ST_PREHASHED || (s) == ST_NATIONAL)

#define MAX_CELL 1024
#define MAX_EMAIL 254

static uint8_t cls[256];
static uint8_t lower[256];
static int8_t hexval[256];

static void init_tables(void) {
    for (int i = 0; i < 256; i++) {
        cls[i] = C_OTHER;
        lower[i] = (uint8_t)i;
        hexval[i] = -1;
    }
    for (int c = 'a'; c <= 'z'; c++) cls[c] = C_LETTER;
    for (int c = 'A'; c <= 'Z'; c++) {
        cls[c] = C_LETTER;
        lower[c] = (uint8_t)(c + 32);
    }
    for (int c = '0'; c <= '9'; c++) {
        cls[c] = C_DIGIT;
        hexval[c] = (int8_t)(c - '0');
    }
    for (int c = 0; c < 6; c++) {
        hexval['a' + c] = hexval['A' + c] = (int8_t)(10 + c);
    }
    for (const char *s = "!#$%&'*+/=?^_`{|}~"; *s; s++) cls[(uint8_t)*s] = C_SPECIAL;
    cls['-'] = C_DASH;
    cls['.'] = C_DOT;
    cls['@'] = C_AT;
    /* str.strip() whitespace among the ASCII bytes ("\n" never occurs inside a line) */
    for (const char *s = " \t\r\x0b\x0c\x1c\x1d\x1e\x1f"; *s; s++) cls[(uint8_t)*s] = C_SPACE;
}

/* Trimmed, lowercased address of [s, e) into buf (returns its length), or -1: not vouched for.
   Accepts exactly the ASCII branch of identity.normalize_email (EMAIL_ASCII_RE + lengths). */
static Py_ssize_t email_value(const uint8_t *s, const uint8_t *e, uint8_t *buf) {
    Py_ssize_t n = e - s;
    if (n > MAX_EMAIL) return -1;
    const uint8_t *p = s;
    /* local part: atext runs separated by single dots, 1..64 characters */
    Py_ssize_t i = 0;
    int prev_dot = 1; /* no leading dot */
    for (;; p++) {
        if (p == e) return -1;
        uint8_t c = *p, k = cls[c];
        if (k == C_AT) break;
        if (k == C_DOT) {
            if (prev_dot) return -1;
            prev_dot = 1;
        } else if (k == C_LETTER || k == C_DIGIT || k == C_DASH || k == C_SPECIAL) {
            prev_dot = 0;
        } else {
            return -1;
        }
        buf[i++] = lower[c];
    }
    if (i == 0 || prev_dot || i > 64) return -1;
    buf[i++] = '@';
    p++;
    /* domain: >= 2 labels of [a-z0-9-], 1..63 characters, no hyphen at either end */
    int labels = 0;
    for (;;) {
        const uint8_t *start = p;
        int all_digits = 1;
        while (p < e) {
            uint8_t k = cls[*p];
            if (k == C_LETTER || k == C_DASH) {
                all_digits = 0;
            } else if (k != C_DIGIT) {
                break;
            }
            buf[i++] = lower[*p];
            p++;
        }
        Py_ssize_t len = p - start;
        if (len < 1 || len > 63 || *start == '-' || p[-1] == '-') return -1;
        labels++;
        if (p == e) {
            if (labels < 2 || len < 2 || all_digits) return -1;
            return i;
        }
        if (*p != '.') return -1;
        buf[i++] = '.';
        p++;
    }
}

static int hex64(const uint8_t *s, uint8_t *out) {
    for (int j = 0; j < 32; j++) {
        int hi = hexval[s[2 * j]], lo = hexval[s[2 * j + 1]];
        if (hi < 0 || lo < 0) return 0;
        out[j] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

typedef struct {
    Py_ssize_t index, start, end;
} Flag;

/* The flagged lines of a chunk: (line index, start, end) in the chunk's bytes. */
typedef struct {
    Flag *items;
    Py_ssize_t n, cap;
} Flags;

static int flags_push(Flags *f, Py_ssize_t index, Py_ssize_t start, Py_ssize_t end) {
    if (f->n == f->cap) {
        Py_ssize_t ncap = f->cap ? f->cap * 2 : 256;
        Flag *grown = realloc(f->items, (size_t)ncap * sizeof(Flag));
        if (grown == NULL) return -1;
        f->items = grown;
        f->cap = ncap;
    }
    f->items[f->n].index = index;
    f->items[f->n].start = start;
    f->items[f->n].end = end;
    f->n++;
    return 0;
}

/* A new list of (index, start, end) tuples, or NULL with an exception set. */
static PyObject *flags_list(const Flags *f) {
    PyObject *list = PyList_New(f->n);
    if (list == NULL) return NULL;
    for (Py_ssize_t j = 0; j < f->n; j++) {
        PyObject *item = Py_BuildValue("(nnn)", f->items[j].index, f->items[j].start, f->items[j].end);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, j, item);
    }
    return list;
}

/* email_chunk(data) -> (digests: bytearray, status: bytearray, flagged: list) */
static PyObject *email_chunk(PyObject *self, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    const uint8_t *data = view.buf, *end = data + view.len;
    Py_ssize_t n = 0;
    {
        const uint8_t *p = data;
        while (p < end) {
            const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
            n++;
            if (nl == NULL) break;
            p = nl + 1;
        }
    }
    PyObject *digests = PyByteArray_FromStringAndSize(NULL, n * 32);
    PyObject *status = PyByteArray_FromStringAndSize(NULL, n);
    Flags flags = {NULL, 0, 0};
    int failed = 0;
    if (digests == NULL || status == NULL) goto error;
    uint8_t *dig = (uint8_t *)PyByteArray_AS_STRING(digests);
    uint8_t *stat = (uint8_t *)PyByteArray_AS_STRING(status);
    Py_BEGIN_ALLOW_THREADS
    uint8_t buf[MAX_EMAIL + 2];
    const uint8_t *p = data;
    for (Py_ssize_t li = 0; li < n; li++) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *line_end = nl ? nl : end;
        const uint8_t *s = p, *e = line_end;
        uint8_t *slot = dig + 32 * li;
        uint8_t st = ST_FLAGGED;
        if (e - s <= MAX_CELL) {
            while (s < e && cls[*s] == C_SPACE) s++;
            while (e > s && cls[e[-1]] == C_SPACE) e--;
            if (s == e) {
                st = ST_BLANK;
            } else if (e - s == 64 && hex64(s, slot)) {
                st = ST_PREHASHED;
            } else {
                Py_ssize_t len = email_value(s, e, buf);
                if (len > 0) {
                    sha256(buf, (size_t)len, slot);
                    st = ST_HASHED;
                }
            }
        }
        if (st == ST_FLAGGED) {
            memset(slot, 0, 32);
            if (flags_push(&flags, li, p - data, line_end - data) < 0) {
                failed = 1;
                break;
            }
        } else if (st == ST_BLANK) {
            memset(slot, 0, 32);
        }
        stat[li] = st;
        p = line_end + 1;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto error;
    }
    PyObject *flagged = flags_list(&flags);
    if (flagged == NULL) goto error;
    free(flags.items);
    PyBuffer_Release(&view);
    PyObject *result = PyTuple_Pack(3, digests, status, flagged);
    Py_DECREF(digests);
    Py_DECREF(status);
    Py_DECREF(flagged);
    return result;
error:
    free(flags.items);
    Py_XDECREF(digests);
    Py_XDECREF(status);
    PyBuffer_Release(&view);
    return NULL;
}

/* compact(digests, status) -> bytes: the 32-byte slots whose status is hashed, pre-hashed or
   national */
static PyObject *compact(PyObject *self, PyObject *args) {
    Py_buffer dv, sv;
    if (!PyArg_ParseTuple(args, "y*y*", &dv, &sv)) return NULL;
    PyObject *out = NULL;
    if (dv.len != sv.len * 32) {
        PyErr_SetString(PyExc_ValueError, "digests must hold 32 bytes per status byte");
        goto done;
    }
    const uint8_t *st = sv.buf;
    Py_ssize_t keep = 0;
    for (Py_ssize_t i = 0; i < sv.len; i++) keep += KEEP_STATUS(st[i]);
    out = PyBytes_FromStringAndSize(NULL, keep * 32);
    if (out == NULL) goto done;
    uint8_t *o = (uint8_t *)PyBytes_AS_STRING(out);
    const uint8_t *d = dv.buf;
    Py_BEGIN_ALLOW_THREADS
    if (keep == sv.len) {
        memcpy(o, d, (size_t)dv.len);
    } else {
        for (Py_ssize_t i = 0; i < sv.len; i++) {
            if (KEEP_STATUS(st[i])) {
                memcpy(o, d + 32 * i, 32);
                o += 32;
            }
        }
    }
    Py_END_ALLOW_THREADS
done:
    PyBuffer_Release(&dv);
    PyBuffer_Release(&sv);
    return out;
}

/* hash_lines(data) -> bytes: SHA-256 of every "\n"-terminated line (a final unterminated line
   counts too), 32 bytes each, in order. */
static PyObject *hash_lines(PyObject *self, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    const uint8_t *data = view.buf, *end = data + view.len;
    Py_ssize_t n = 0;
    for (const uint8_t *p = data; p < end;) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        n++;
        if (nl == NULL) break;
        p = nl + 1;
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * 32);
    if (out != NULL) {
        uint8_t *o = (uint8_t *)PyBytes_AS_STRING(out);
        Py_BEGIN_ALLOW_THREADS
        for (const uint8_t *p = data; p < end; o += 32) {
            const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
            const uint8_t *e = nl ? nl : end;
            sha256(p, (size_t)(e - p), o);
            p = e + 1;
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&view);
    return out;
}

/* hash_values(buf, offsets) -> bytes: SHA-256 of buf[offsets[i]:offsets[i+1]] for each i;
   `offsets` is a buffer of n+1 native int64 (e.g. array('q') or a numpy int64 array). */
static PyObject *hash_values(PyObject *self, PyObject *args) {
    Py_buffer bv, ov;
    if (!PyArg_ParseTuple(args, "y*y*", &bv, &ov)) return NULL;
    PyObject *out = NULL;
    if (ov.len % 8 != 0 || ov.len < 8) {
        PyErr_SetString(PyExc_ValueError, "offsets must be at least one int64");
        goto done;
    }
    Py_ssize_t n = ov.len / 8 - 1;
    const int64_t *off = ov.buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (off[i] < 0 || off[i] > off[i + 1] || off[i + 1] > bv.len) {
            PyErr_SetString(PyExc_ValueError, "offsets must be ascending and within the buffer");
            goto done;
        }
    }
    out = PyBytes_FromStringAndSize(NULL, n * 32);
    if (out == NULL) goto done;
    uint8_t *o = (uint8_t *)PyBytes_AS_STRING(out);
    const uint8_t *b = bv.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) sha256(b + off[i], (size_t)(off[i + 1] - off[i]), o + 32 * i);
    Py_END_ALLOW_THREADS
done:
    PyBuffer_Release(&bv);
    PyBuffer_Release(&ov);
    return out;
}

/* hex_lines(digests) -> bytes: lowercase hex of each 32-byte digest, one per line ("\n"). */
static PyObject *hex_lines(PyObject *self, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    PyObject *out = NULL;
    if (view.len % 32 != 0) {
        PyErr_SetString(PyExc_ValueError, "digests must be a multiple of 32 bytes");
        goto done;
    }
    Py_ssize_t n = view.len / 32;
    out = PyBytes_FromStringAndSize(NULL, n * 65);
    if (out == NULL) goto done;
    static const char digits[] = "0123456789abcdef";
    uint8_t *o = (uint8_t *)PyBytes_AS_STRING(out);
    const uint8_t *d = view.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        for (int j = 0; j < 32; j++) {
            o[2 * j] = (uint8_t)digits[d[j] >> 4];
            o[2 * j + 1] = (uint8_t)digits[d[j] & 15];
        }
        o[64] = '\n';
        o += 65;
        d += 32;
    }
    Py_END_ALLOW_THREADS
done:
    PyBuffer_Release(&view);
    return out;
}

/* sha256(data) -> bytes: one digest (tests, small values). */
static PyObject *py_sha256(PyObject *self, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    uint8_t digest[32];
    Py_BEGIN_ALLOW_THREADS
    sha256(view.buf, (size_t)view.len, digest);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyBytes_FromStringAndSize((const char *)digest, 32);
}

/* set_backend(name) -> str: "portable" or "shani" (tests); returns the backend in use. */
static PyObject *set_backend(PyObject *self, PyObject *arg) {
    const char *name = PyUnicode_AsUTF8(arg);
    if (name == NULL) return NULL;
    if (strcmp(name, "portable") == 0) {
        sha_blocks = blocks_portable;
        sha_backend = "portable";
#ifdef HAVE_SHANI_CODE
    } else if (strcmp(name, "shani") == 0 && cpu_has_shani()) {
        sha_blocks = blocks_shani;
        sha_backend = "shani";
#endif
    } else {
        PyErr_Format(PyExc_ValueError, "SHA-256 backend %R is not available here", arg);
        return NULL;
    }
    return PyUnicode_FromString(sha_backend);
}

static PyObject *backends(PyObject *self, PyObject *unused) {
#ifdef HAVE_SHANI_CODE
    if (cpu_has_shani()) return Py_BuildValue("(ss)", "portable", "shani");
#endif
    return Py_BuildValue("(s)", "portable");
}

static PyObject *backend(PyObject *self, PyObject *unused) {
    return PyUnicode_FromString(sha_backend);
}

/* --------------------------------------------------------------------------- phone rules */

#define MAX_PHONE_DIGITS 64

static uint8_t phone_sep[256];

static void init_phone_tables(void) {
    memset(phone_sep, 0, sizeof phone_sep);
    for (const char *s = " \t-()./"; *s; s++) phone_sep[(uint8_t)*s] = 1;
}

/* The normalized international number (country code + national number) of digits[0..n) that
   followed a "+" or "00", into out (returns its length), or -1: not vouched for. `table` maps
   each 3-digit start to its country code length (low nibble; 0 = no such code) and bit 4 = the
   code's main region dials a trunk prefix "0" (see identity.international_digits). */
static int phone_international(const uint8_t *d, int n, const uint8_t *table, uint8_t *out) {
    if (n < 3) return -1;
    uint8_t info = table[(d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0')];
    int k = info & 0x0f;
    if (k == 0) return -1;
    int trunk = (info & 0x10) != 0;
    const uint8_t *rest = d + k;
    int rest_len = n - k;
    if (trunk) {
        if (rest_len > 0 && rest[0] == '0') {
            rest++;
            rest_len--;
        }
        if (rest_len > 0 && rest[0] == '0') return -1;
    }
    if (rest_len < 4 || k + rest_len > 15) return -1;
    memcpy(out, d, (size_t)k);
    memcpy(out + k, rest, (size_t)rest_len);
    return k + rest_len;
}

typedef struct {
    const uint8_t *cc, *trunk;
    Py_ssize_t cc_len, trunk_len;
    unsigned long lengths; /* bit L set: a national number of L digits is possible */
} National;

/* phone_chunk(data, table, national) -> (digests, status, flagged, national_rows, national_blob)

   Normalizes and hashes every line exactly as identity.normalize(line, "phone") would for a
   plain ASCII line, or flags it (status FLAGGED + (index, start, end) in `flagged`) for the
   Python rules: blank lines are BLANK, 64-hex values PREHASHED. With `national` = (cc, trunk,
   lengths_mask), a number without "+"/"00" that starts with the trunk prefix and has a possible
   length is hashed as cc + national number with status NATIONAL; its row is appended to
   `national_rows` and the national number to `national_blob` (one per line) so the caller can
   check the region's number pattern and re-decide the ones that do not match. */
static PyObject *phone_chunk(PyObject *self, PyObject *args) {
    Py_buffer view, tv;
    PyObject *national_obj;
    if (!PyArg_ParseTuple(args, "y*y*O", &view, &tv, &national_obj)) return NULL;
    PyObject *digests = NULL, *status = NULL, *result = NULL;
    Flags flags = {NULL, 0, 0};
    Py_ssize_t *nat_rows = NULL;
    uint8_t *nat_blob = NULL;
    Py_buffer ccv = {0}, trv = {0};
    National nat = {0};
    int have_nat = 0;
    if (tv.len != 1000) {
        PyErr_SetString(PyExc_ValueError, "table must hold 1000 bytes");
        goto done;
    }
    if (national_obj != Py_None) {
        if (!PyArg_ParseTuple(national_obj, "y*y*k", &ccv, &trv, &nat.lengths)) goto done;
        nat.cc = ccv.buf;
        nat.cc_len = ccv.len;
        nat.trunk = trv.buf;
        nat.trunk_len = trv.len;
        have_nat = nat.trunk_len > 0;
        if (nat.cc_len < 1 || nat.cc_len > 3) {
            PyErr_SetString(PyExc_ValueError, "country code must have 1 to 3 digits");
            goto done;
        }
    }
    const uint8_t *data = view.buf, *end = data + view.len, *table = tv.buf;
    Py_ssize_t n = 0;
    for (const uint8_t *p = data; p < end;) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        n++;
        if (nl == NULL) break;
        p = nl + 1;
    }
    digests = PyByteArray_FromStringAndSize(NULL, n * 32);
    status = PyByteArray_FromStringAndSize(NULL, n);
    if (digests == NULL || status == NULL) goto done;
    uint8_t *dig = (uint8_t *)PyByteArray_AS_STRING(digests);
    uint8_t *stat = (uint8_t *)PyByteArray_AS_STRING(status);
    Py_ssize_t nnat = 0, nat_cap = 0, blob_len = 0, blob_cap = 0;
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    uint8_t digits[MAX_PHONE_DIGITS + 4], value[MAX_PHONE_DIGITS + 8];
    const uint8_t *p = data;
    for (Py_ssize_t li = 0; li < n && !failed; li++) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *line_end = nl ? nl : end;
        const uint8_t *s = p, *e = line_end;
        uint8_t *slot = dig + 32 * li;
        uint8_t st = ST_FLAGGED;
        if (e - s <= MAX_CELL) {
            while (s < e && cls[*s] == C_SPACE) s++;
            while (e > s && cls[e[-1]] == C_SPACE) e--;
            if (s == e) {
                st = ST_BLANK;
            } else if (e - s == 64 && hex64(s, slot)) {
                st = ST_PREHASHED;
            } else {
                int nd = 0, plus = 0, ok = 1;
                for (const uint8_t *q = s; q < e; q++) {
                    uint8_t c = *q;
                    if (c >= '0' && c <= '9') {
                        if (nd >= MAX_PHONE_DIGITS) {
                            ok = 0;
                            break;
                        }
                        digits[nd++] = c;
                    } else if (c == '+' && nd == 0 && !plus) {
                        plus = 1;
                    } else if (!phone_sep[c]) {
                        ok = 0;
                        break;
                    }
                }
                int len = -1;
                if (ok && nd > 0) {
                    if (plus) {
                        if (digits[0] != '0') len = phone_international(digits, nd, table, value);
                    } else if (nd >= 2 && digits[0] == '0' && digits[1] == '0') {
                        if (nd >= 3 && digits[2] != '0')
                            len = phone_international(digits + 2, nd - 2, table, value);
                    } else if (have_nat && nd > nat.trunk_len &&
                               memcmp(digits, nat.trunk, (size_t)nat.trunk_len) == 0) {
                        const uint8_t *national = digits + nat.trunk_len;
                        int nlen = nd - (int)nat.trunk_len;
                        if (national[0] != '0' && nlen < 64 && (nat.lengths >> nlen) & 1) {
                            memcpy(value, nat.cc, (size_t)nat.cc_len);
                            memcpy(value + nat.cc_len, national, (size_t)nlen);
                            sha256(value, (size_t)(nat.cc_len + nlen), slot);
                            st = ST_NATIONAL;
                            if (nnat == nat_cap) {
                                Py_ssize_t ncap = nat_cap ? nat_cap * 2 : 1024;
                                Py_ssize_t *grown = realloc(nat_rows, (size_t)ncap * sizeof *grown);
                                if (grown == NULL) {
                                    failed = 1;
                                    break;
                                }
                                nat_rows = grown;
                                nat_cap = ncap;
                            }
                            if (blob_len + nlen + 1 > blob_cap) {
                                Py_ssize_t ncap = blob_cap ? blob_cap * 2 : 16384;
                                while (ncap < blob_len + nlen + 1) ncap *= 2;
                                uint8_t *grown = realloc(nat_blob, (size_t)ncap);
                                if (grown == NULL) {
                                    failed = 1;
                                    break;
                                }
                                nat_blob = grown;
                                blob_cap = ncap;
                            }
                            nat_rows[nnat++] = li;
                            memcpy(nat_blob + blob_len, national, (size_t)nlen);
                            blob_len += nlen;
                            nat_blob[blob_len++] = '\n';
                        }
                    }
                }
                if (len > 0) {
                    sha256(value, (size_t)len, slot);
                    st = ST_HASHED;
                }
            }
        }
        if (st == ST_FLAGGED) {
            memset(slot, 0, 32);
            if (flags_push(&flags, li, p - data, line_end - data) < 0) {
                failed = 1;
                break;
            }
        } else if (st == ST_BLANK) {
            memset(slot, 0, 32);
        }
        stat[li] = st;
        p = line_end + 1;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    PyObject *flagged = flags_list(&flags);
    PyObject *rows = PyList_New(nnat);
    PyObject *blob = PyBytes_FromStringAndSize((const char *)nat_blob, blob_len);
    if (flagged == NULL || rows == NULL || blob == NULL) {
        Py_XDECREF(flagged);
        Py_XDECREF(rows);
        Py_XDECREF(blob);
        goto done;
    }
    for (Py_ssize_t j = 0; j < nnat; j++) {
        PyObject *item = PyLong_FromSsize_t(nat_rows[j]);
        if (item == NULL) {
            failed = 1;
            break;
        }
        PyList_SET_ITEM(rows, j, item);
    }
    if (!failed) result = PyTuple_Pack(5, digests, status, flagged, rows, blob);
    Py_DECREF(flagged);
    Py_DECREF(rows);
    Py_DECREF(blob);
done:
    free(flags.items);
    free(nat_rows);
    free(nat_blob);
    Py_XDECREF(digests);
    Py_XDECREF(status);
    if (ccv.obj != NULL) PyBuffer_Release(&ccv);
    if (trv.obj != NULL) PyBuffer_Release(&trv);
    PyBuffer_Release(&view);
    PyBuffer_Release(&tv);
    return result;
}

/* ------------------------------------------------------------------------ de-duplication */

/* An open-addressing set of digests for first-seen de-duplication in memory. The caller owns
   two arrays of `capacity` slots (a power of two): keys (uint64, 0 = empty) and rows (uint32,
   the output line of the first digest with that key). A key mixes all 32 bytes of the digest,
   so structured pre-hashed values spread as well as real hashes. Equal keys are confirmed
   against the full earlier digest: from the batch in hand, or read back (as hex) from the
   output file already written (`fd`; line k at offset header_len + 65 k). So the result is
   exact; a key collision just probes on. */

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t digest_key(const uint8_t *d) {
    uint64_t w[4];
    memcpy(w, d, 32);
    uint64_t k = mix64(w[0] ^ mix64(w[1] ^ mix64(w[2] ^ mix64(w[3] + 0x9e3779b97f4a7c15ULL))));
    return k ? k : 1;
}

#ifdef _WIN32
#include <io.h>
/* No pread: seek, read, and put the position back at the end, where the writer appends. */
static int read_at(int fd, uint8_t *buf, int size, long long offset) {
    int ok = _lseeki64(fd, offset, SEEK_SET) >= 0 && _read(fd, buf, (unsigned)size) == size;
    _lseeki64(fd, 0, SEEK_END);
    return ok ? 0 : -1;
}
#else
#include <sys/mman.h>
#include <unistd.h>
#define HAVE_MMAP 1
static int read_at(int fd, uint8_t *buf, int size, long long offset) {
    int got = 0;
    while (got < size) {
        ssize_t r = pread(fd, buf + got, (size_t)(size - got), (off_t)(offset + got));
        if (r <= 0) return -1;
        got += (int)r;
    }
    return 0;
}
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

static int table_buffers(PyObject *keys_obj, PyObject *rows_obj, Py_buffer *kv, Py_buffer *rv,
                         Py_ssize_t *capacity) {
    if (PyObject_GetBuffer(keys_obj, kv, PyBUF_WRITABLE) < 0) return -1;
    if (PyObject_GetBuffer(rows_obj, rv, PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(kv);
        return -1;
    }
    Py_ssize_t cap = kv->len / 8;
    if (kv->len % 8 != 0 || cap == 0 || (cap & (cap - 1)) != 0 || rv->len != cap * 4) {
        PyErr_SetString(PyExc_ValueError, "keys: 8 bytes and rows: 4 bytes per slot, 2**k slots");
        PyBuffer_Release(kv);
        PyBuffer_Release(rv);
        return -1;
    }
    *capacity = cap;
    return 0;
}

typedef struct {
    int fd;
    const uint8_t *map; /* NULL: not mapped (yet) */
    size_t len;         /* the bytes that may be read: the lines already written */
    int reads, failed;  /* reads through this mapping; mmap failed: use read_at */
} Reader;

#define REMAP_AFTER 64

static void reader_close(Reader *r) {
#ifdef HAVE_MMAP
    if (r->map != NULL) munmap((void *)r->map, r->len);
#endif
    r->map = NULL;
    r->reads = 0;
}

/* The 64 bytes at `offset` (within the lines already written) into buf. */
static int read_line(Reader *r, long long offset, uint8_t *buf) {
#ifdef HAVE_MMAP
    if (!r->failed) {
        if (r->map != NULL && r->reads >= REMAP_AFTER) reader_close(r);
        if (r->map == NULL) {
            void *m = mmap(NULL, r->len, PROT_READ, MAP_SHARED, r->fd, 0);
            if (m == MAP_FAILED) {
                r->failed = 1;
            } else {
                madvise(m, r->len, MADV_RANDOM);
                r->map = m;
            }
        }
        if (r->map != NULL) {
            if (offset < 0 || (size_t)offset + 64 > r->len) return -1;
            memcpy(buf, r->map + offset, 64);
            r->reads++;
            return 0;
        }
    }
#endif
    return read_at(r->fd, buf, 64, offset);
}

#define LOOKAHEAD 8

/* dedupe_add(keys, rows, written, digests, fd, header_len[, pending]) -> (hex_lines, inserted)
   `written` lines came before this batch: the last ones, as hex lines in `pending` (handed to
   a writer, maybe not on disk yet), the others in the output file behind `fd` (flushed).
   Returns the lowercase hex lines of the digests seen for the first time, in order, ready to
   append to the output. The caller keeps the load factor below 1 (room for the whole batch). */
static PyObject *dedupe_add(PyObject *self, PyObject *args) {
    PyObject *keys_obj, *rows_obj;
    long long base, header_len;
    Py_buffer dv, pv = {0};
    int fd;
    if (!PyArg_ParseTuple(args, "OOLy*iL|y*", &keys_obj, &rows_obj, &base, &dv, &fd, &header_len,
                          &pv))
        return NULL;
    Py_buffer kv, rv;
    Py_ssize_t cap;
    PyObject *out = NULL, *result = NULL;
    uint64_t *ks = NULL;
    Py_ssize_t *kidx = NULL;
    if (table_buffers(keys_obj, rows_obj, &kv, &rv, &cap) < 0) {
        PyBuffer_Release(&dv);
        if (pv.obj != NULL) PyBuffer_Release(&pv);
        return NULL;
    }
    Py_ssize_t n = dv.len / 32;
    const uint8_t *pending = pv.obj != NULL ? pv.buf : NULL;
    long long on_disk = base - (pv.obj != NULL ? pv.len / 65 : 0);
    if (pv.obj != NULL && pv.len % 65 != 0) {
        PyErr_SetString(PyExc_ValueError, "pending must be whole hex lines");
        goto done;
    }
    if (dv.len % 32 != 0 || base < 0 || on_disk < 0 || base + n > 0xffffffffLL ||
        header_len < 0) {
        PyErr_SetString(PyExc_ValueError, "digests: 32 bytes each, rows below 2**32");
        goto done;
    }
    ks = malloc((size_t)(n ? n : 1) * sizeof *ks);
    kidx = malloc((size_t)(n ? n : 1) * sizeof *kidx);
    out = PyBytes_FromStringAndSize(NULL, n * 65);
    if (ks == NULL || kidx == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (out == NULL) goto done;
    uint64_t *keys = kv.buf;
    uint32_t *rows = rv.buf;
    const uint8_t *d = dv.buf;
    uint8_t *o = (uint8_t *)PyBytes_AS_STRING(out);
    uint64_t mask = (uint64_t)cap - 1;
    Py_ssize_t kept = 0, inserted = 0;
    int io_error = 0;
    static const char hexdigits[] = "0123456789abcdef";
    Py_BEGIN_ALLOW_THREADS
    uint8_t text[64], earlier[32];
    /* Earlier lines are read through a read-only mapping of the output (a page fault is
       cheaper than a read call). Each fault maps pages around the one read, which count as
       resident while mapped: the mapping is dropped and made again every REMAP_AFTER reads,
       which bounds that to a few MB. Without mmap, or if it fails, one read per match. */
    Reader reader = {fd, NULL, (size_t)(header_len + 65 * on_disk), 0, 0};
    for (Py_ssize_t i = 0; i < n; i++) ks[i] = digest_key(d + 32 * i);
    for (Py_ssize_t i = 0; i < n && i < LOOKAHEAD; i++) PREFETCH(&keys[ks[i] & mask]);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i + LOOKAHEAD < n) {
            PREFETCH(&keys[ks[i + LOOKAHEAD] & mask]);
            PREFETCH(&rows[ks[i + LOOKAHEAD] & mask]);
        }
        const uint8_t *digest = d + 32 * i;
        uint64_t key = ks[i];
        uint64_t slot = key & mask;
        int duplicate = 0;
        for (;;) {
            uint64_t k = keys[slot];
            if (k == 0) {
                keys[slot] = key;
                rows[slot] = (uint32_t)(base + kept);
                inserted++;
                break;
            }
            if (k == key) {
                long long line = rows[slot];
                const uint8_t *other;
                if (line >= base) {
                    other = d + 32 * kidx[line - base];
                } else if (line >= on_disk && hex64(pending + 65 * (line - on_disk), earlier)) {
                    other = earlier;
                } else if (line < on_disk && read_line(&reader, header_len + 65 * line, text) == 0 &&
                           hex64(text, earlier)) {
                    other = earlier;
                } else {
                    io_error = 1;
                    break;
                }
                if (memcmp(other, digest, 32) == 0) {
                    duplicate = 1;
                    break;
                }
            }
            slot = (slot + 1) & mask;
        }
        if (io_error) break;
        if (!duplicate) {
            uint8_t *h = o + 65 * kept;
            for (int j = 0; j < 32; j++) {
                h[2 * j] = (uint8_t)hexdigits[digest[j] >> 4];
                h[2 * j + 1] = (uint8_t)hexdigits[digest[j] & 15];
            }
            h[64] = '\n';
            kidx[kept++] = i;
        }
    }
#ifdef HAVE_MMAP
    reader_close(&reader);
#endif
    Py_END_ALLOW_THREADS
    if (io_error) {
        PyErr_SetString(PyExc_OSError, "could not read back the hashed list being written");
        goto done;
    }
    if (kept != n && _PyBytes_Resize(&out, kept * 65) < 0) goto done;
    result = Py_BuildValue("(On)", out, inserted);
done:
    free(ks);
    free(kidx);
    Py_XDECREF(out);
    PyBuffer_Release(&kv);
    PyBuffer_Release(&rv);
    PyBuffer_Release(&dv);
    if (pv.obj != NULL) PyBuffer_Release(&pv);
    return result;
}

/* dedupe_rehash(old_keys, old_rows, new_keys, new_rows) -> None: move every entry over. */
static PyObject *dedupe_rehash(PyObject *self, PyObject *args) {
    PyObject *ok_obj, *or_obj, *nk_obj, *nr_obj;
    if (!PyArg_ParseTuple(args, "OOOO", &ok_obj, &or_obj, &nk_obj, &nr_obj)) return NULL;
    Py_buffer okv, orv, nkv, nrv;
    Py_ssize_t old_cap, new_cap;
    if (table_buffers(ok_obj, or_obj, &okv, &orv, &old_cap) < 0) return NULL;
    if (table_buffers(nk_obj, nr_obj, &nkv, &nrv, &new_cap) < 0) {
        PyBuffer_Release(&okv);
        PyBuffer_Release(&orv);
        return NULL;
    }
    const uint64_t *ok = okv.buf;
    const uint32_t *orow = orv.buf;
    uint64_t *nk = nkv.buf;
    uint32_t *nr = nrv.buf;
    uint64_t mask = (uint64_t)new_cap - 1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < old_cap; i++) {
        uint64_t key = ok[i];
        if (key == 0) continue;
        uint64_t slot = key & mask;
        while (nk[slot] != 0) slot = (slot + 1) & mask;
        nk[slot] = key;
        nr[slot] = orow[i];
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&okv);
    PyBuffer_Release(&orv);
    PyBuffer_Release(&nkv);
    PyBuffer_Release(&nrv);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"email_chunk", email_chunk, METH_O,
     "email_chunk(data) -> (digests, status, flagged): normalize and hash every line."},
    {"phone_chunk", phone_chunk, METH_VARARGS,
     "phone_chunk(data, table, national) -> (digests, status, flagged, national_rows, blob)."},
    {"dedupe_add", dedupe_add, METH_VARARGS,
     "dedupe_add(keys, rows, written, digests, fd, header_len[, pending]) -> (hex_lines, inserted)."},
    {"dedupe_rehash", dedupe_rehash, METH_VARARGS,
     "dedupe_rehash(old_keys, old_rows, new_keys, new_rows): grow a de-duplication table."},
    {"compact", compact, METH_VARARGS,
     "compact(digests, status) -> bytes: the digests of hashed and pre-hashed lines."},
    {"hash_lines", hash_lines, METH_O, "hash_lines(data) -> bytes: SHA-256 of each line."},
    {"hash_values", hash_values, METH_VARARGS,
     "hash_values(buf, offsets) -> bytes: SHA-256 of each buf[offsets[i]:offsets[i+1]]."},
    {"hex_lines", hex_lines, METH_O, "hex_lines(digests) -> bytes: one hex digest per line."},
    {"sha256", py_sha256, METH_O, "sha256(data) -> bytes: the 32-byte digest."},
    {"set_backend", set_backend, METH_O, "set_backend(name) -> str (tests)."},
    {"backends", backends, METH_NOARGS, "backends() -> tuple of available backends."},
    {"backend", backend, METH_NOARGS, "backend() -> the backend in use."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sha256batch",
    "Batch SHA-256 and email normalization (optional C accelerator).", -1, methods,
};

PyMODINIT_FUNC PyInit__sha256batch(void) {
    init_tables();
    init_phone_tables();
#ifdef HAVE_SHANI_CODE
    if (cpu_has_shani()) {
        sha_blocks = blocks_shani;
        sha_backend = "shani";
    }
#endif
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddIntConstant(m, "HASHED", ST_HASHED) < 0 ||
        PyModule_AddIntConstant(m, "PREHASHED", ST_PREHASHED) < 0 ||
        PyModule_AddIntConstant(m, "BLANK", ST_BLANK) < 0 ||
        PyModule_AddIntConstant(m, "FLAGGED", ST_FLAGGED) < 0 ||
        PyModule_AddIntConstant(m, "DROPPED", ST_DROPPED) < 0 ||
        PyModule_AddIntConstant(m, "NATIONAL", ST_NATIONAL) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
