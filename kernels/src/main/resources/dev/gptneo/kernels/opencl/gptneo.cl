// The OpenCL C kernels of the OpenCL backend: one kernel per Backend operation, with the
// semantics of ScalarBackend (the reference). OpenCL C 1.2, no extensions: F16 weights are read
// with vload_half, which is core, so devices without cl_khr_fp16 work too.
//
// Activations are float; weights keep their checkpoint format (or Q8_0) and are widened when
// read. The matrix kernels are instantiated once per weight format (the format is a compile-time
// constant there, so the switch in load_weight folds away); the other kernels read small weights
// (norms, biases, embeddings) with the format passed at run time.

// Weight formats, as OpenClBackend passes them.
#define F32 0
#define F16 1
#define BF16 2
#define Q8_0 3
#define NO_BIAS (-1)

// Q8_0 on the device: each row cut into blocks of 32 values (the last one zero-padded), each block
// stored as its float scale followed by its 32 int8 values; a value is q * scale.
#define Q8_BLOCK 32
#define Q8_BLOCK_BYTES (4 + Q8_BLOCK)

// Side of the square tiles of the tiled matmul; OpenClBackend launches TILE x TILE work-groups.
#define TILE 16

// Element (row, col) of a weight with `cols` columns, as float.
inline float load_weight(global const uchar* w, const int format, size_t row, int col, int cols) {
    size_t i = row * cols + col;
    switch (format) {
        case F16:
            return vload_half(i, (global const half*) w);
        case BF16:
            // bfloat16 is the upper half of a float32.
            return as_float(((uint) ((global const ushort*) w)[i]) << 16);
        case Q8_0: {
            size_t blocks_per_row = (cols + Q8_BLOCK - 1) / Q8_BLOCK;
            global const uchar* block = w + (row * blocks_per_row + col / Q8_BLOCK) * Q8_BLOCK_BYTES;
            return ((global const char*) (block + 4))[col % Q8_BLOCK] * *(global const float*) block;
        }
        default:
            return ((global const float*) w)[i];
    }
}

// Reductions along dimension 0 of the work-group over local memory (scratch holds
// get_local_size(0) floats, a power of two). Every item of the group must call them (they contain
// barriers), and all get the result.
inline float group_sum(float value, local float* scratch) {
    int t = get_local_id(0);
    scratch[t] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int half_size = get_local_size(0) / 2; half_size > 0; half_size /= 2) {
        if (t < half_size) {
            scratch[t] += scratch[t + half_size];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float result = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE); // scratch is reused by the next reduction
    return result;
}

inline float group_max(float value, local float* scratch) {
    int t = get_local_id(0);
    scratch[t] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int half_size = get_local_size(0) / 2; half_size > 0; half_size /= 2) {
        if (t < half_size) {
            scratch[t] = fmax(scratch[t], scratch[t + half_size]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float result = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return result;
}

inline float bias_at(global const uchar* bias, int bias_format, int j, int n) {
    return bias_format == NO_BIAS ? 0.0f : load_weight(bias, bias_format, 0, j, n);
}

// Both matrix kernels sum every output in one order, so that a row's result does not depend on
// how many rows are multiplied with it (a sequence's logits are the same alone or in a batch):
// MATVEC_WIDTH partial sums, partial t over k = t, t + MATVEC_WIDTH, ... in turn (each step one
// fma, never left to the compiler to contract or not), then added pairwise as group_sum does.
#define MATVEC_WIDTH 32

// out[j] = x · w[j] + bias[j] for one row x. A work-group of MATVEC_WIDTH x rows items computes
// get_local_size(1) outputs: items (t, y) stride over k for output j = get_global_id(1) (adjacent
// items read adjacent weights) and sum in their own slice of local memory. Several outputs per
// group keep the number of groups low, which matters to CPU runtimes (50k vocabulary rows).
inline void matvec(global const float* x, global const uchar* w, const int format,
                   global const uchar* bias, int bias_format, global float* out, int n, int k,
                   local float* scratch) {
    int j = get_global_id(1);
    float acc = 0.0f;
    if (j < n) {
        for (int i = get_local_id(0); i < k; i += MATVEC_WIDTH) {
            acc = fma(x[i], load_weight(w, format, j, i, k), acc);
        }
    }
    acc = group_sum(acc, scratch + get_local_id(1) * MATVEC_WIDTH);
    if (j < n && get_local_id(0) == 0) {
        out[j] = acc + bias_at(bias, bias_format, j, n);
    }
}

// out[r][j] = x[r] · w[j] + bias[j] for many rows: TILE x TILE work-groups, item (tx, ty)
// computing out[r = group row + ty][j = group column + tx]; both operands pass through local
// memory a TILE-wide slice of k at a time, zero-padded at the edges (adding 0 * 0 leaves a sum as
// it is). The item keeps matvec's MATVEC_WIDTH partial sums (two slices per period of them) and
// adds them as matvec's group_sum does.
inline void matmul_tiled(global const float* x, global const uchar* w, const int format,
                         global const uchar* bias, int bias_format, global float* out,
                         int rows, int n, int k,
                         local float (*xs)[TILE + 1], local float (*ws)[TILE + 1]) {
    int tx = get_local_id(0);
    int ty = get_local_id(1);
    int j = get_global_id(0);
    int r = get_global_id(1);
    int wj = get_group_id(0) * TILE + ty; // the weight row this item loads
    float acc[MATVEC_WIDTH];
    for (int t = 0; t < MATVEC_WIDTH; t++) {
        acc[t] = 0.0f;
    }
    for (int i0 = 0; i0 < k; i0 += MATVEC_WIDTH) {
        for (int slice = 0; slice < MATVEC_WIDTH; slice += TILE) {
            int i = i0 + slice + tx;
            xs[ty][tx] = (r < rows && i < k) ? x[r * k + i] : 0.0f;
            ws[ty][tx] = (wj < n && i < k) ? load_weight(w, format, wj, i, k) : 0.0f;
            barrier(CLK_LOCAL_MEM_FENCE);
            for (int d = 0; d < TILE; d++) {
                acc[slice + d] = fma(xs[ty][d], ws[tx][d], acc[slice + d]);
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
    }
    for (int half_size = MATVEC_WIDTH / 2; half_size > 0; half_size /= 2) {
        for (int t = 0; t < half_size; t++) {
            acc[t] += acc[t + half_size];
        }
    }
    if (r < rows && j < n) {
        out[r * n + j] = acc[0] + bias_at(bias, bias_format, j, n);
    }
}

#define MATRIX_KERNELS(SUFFIX, FORMAT)                                                           \
kernel void matvec_##SUFFIX(global const float* x, global const uchar* w,                        \
                            global const uchar* bias, int bias_format, global float* out,        \
                            int n, int k, local float* scratch) {                                \
    matvec(x, w, FORMAT, bias, bias_format, out, n, k, scratch);                                 \
}                                                                                                \
kernel void matmul_##SUFFIX(global const float* x, global const uchar* w,                        \
                            global const uchar* bias, int bias_format, global float* out,        \
                            int rows, int n, int k) {                                            \
    local float xs[TILE][TILE + 1];                                                              \
    local float ws[TILE][TILE + 1];                                                              \
    matmul_tiled(x, w, FORMAT, bias, bias_format, out, rows, n, k, xs, ws);                      \
}

MATRIX_KERNELS(f32, F32)
MATRIX_KERNELS(f16, F16)
MATRIX_KERNELS(bf16, BF16)
MATRIX_KERNELS(q8_0, Q8_0)

// out[r] = wte[ids[r]] + wpe[positions[r]]; ids_positions holds the ids, then the positions.
// One item per element.
kernel void embed(global const uchar* wte, int wte_format, global const uchar* wpe, int wpe_format,
                  global const int* ids_positions, int rows, global float* out) {
    int c = get_global_id(0);
    int r = get_global_id(1);
    int cols = get_global_size(0);
    out[r * cols + c] = load_weight(wte, wte_format, ids_positions[r], c, cols)
            + load_weight(wpe, wpe_format, ids_positions[rows + r], c, cols);
}

// A work-group per row: mean, then variance around it (two passes, as the reference).
kernel void layer_norm(global const float* x, global const uchar* gamma, global const uchar* beta,
                       int format, float eps, global float* out, int cols, local float* scratch) {
    int t = get_local_id(0);
    int size = get_local_size(0);
    int base = get_group_id(0) * cols;
    float sum = 0.0f;
    for (int c = t; c < cols; c += size) {
        sum += x[base + c];
    }
    float mean = group_sum(sum, scratch) / cols;
    float squares = 0.0f;
    for (int c = t; c < cols; c += size) {
        float d = x[base + c] - mean;
        squares += d * d;
    }
    float inv = 1.0f / sqrt(group_sum(squares, scratch) / cols + eps);
    for (int c = t; c < cols; c += size) {
        out[base + c] = (x[base + c] - mean) * inv * load_weight(gamma, format, 0, c, cols)
                + load_weight(beta, format, 0, c, cols);
    }
}

// gelu_new (the tanh approximation), in place, one item per element.
kernel void gelu_new(global float* x) {
    int i = get_global_id(0);
    float v = x[i];
    x[i] = 0.5f * v * (1.0f + tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
}

kernel void add(global float* acc, global const float* x) {
    int i = get_global_id(0);
    acc[i] += x[i];
}

// The pool row that holds position j of a sequence, from its block table (BatchSequence.row).
inline int pool_row(global const int* table, int table_length, int block_size, int j) {
    return table[(j / block_size) % table_length] * block_size + j % block_size;
}

// Causal attention without 1/sqrt(d) scaling for one sequence of a batch: a work-group per
// (row, head), the sequence's rows starting at row first_row of q, k, v and out. Position j's key
// and value are fresh row first_row + j - past when j >= past, else the pool row its block table
// gives (table_length ids from tables + table_offset). The scores of the visible span [first, i]
// live in local memory (scores holds the longest span of the call).
kernel void attention(global const float* q, global const float* k, global const float* v,
                      global const float* pool_k, global const float* pool_v, global const int* tables,
                      int table_offset, int table_length, int block_size, int first_row,
                      int past, int head_dim, int window, global float* out,
                      local float* scores, local float* scratch) {
    int r = get_group_id(0);
    int h = get_group_id(1);
    int t = get_local_id(0);
    int size = get_local_size(0);
    int hidden = get_num_groups(1) * head_dim;
    int i = past + r;
    int first = window > 0 ? max(0, i - window + 1) : 0;
    int span = i - first + 1;
    int head = h * head_dim;
    global const int* table = tables + table_offset;
    global const float* query = q + (first_row + r) * hidden + head;
    global const float* fresh_k = k + first_row * hidden;
    global const float* fresh_v = v + first_row * hidden;

    float row_max = -INFINITY;
    for (int s = t; s < span; s += size) {
        int j = first + s;
        global const float* key = (j >= past ? fresh_k + (j - past) * hidden
                : pool_k + pool_row(table, table_length, block_size, j) * hidden) + head;
        float dot = 0.0f;
        for (int d = 0; d < head_dim; d++) {
            dot += query[d] * key[d];
        }
        scores[s] = dot;
        row_max = fmax(row_max, dot);
    }
    float max_score = group_max(row_max, scratch);
    float sum = 0.0f;
    for (int s = t; s < span; s += size) {
        float e = exp(scores[s] - max_score);
        scores[s] = e;
        sum += e;
    }
    sum = group_sum(sum, scratch); // its barriers also publish every item's scores

    for (int d = t; d < head_dim; d += size) {
        float acc = 0.0f;
        for (int s = 0; s < span; s++) {
            int j = first + s;
            global const float* value = j >= past ? fresh_v + (j - past) * hidden
                    : pool_v + pool_row(table, table_length, block_size, j) * hidden;
            acc += scores[s] * value[head + d];
        }
        out[(first_row + r) * hidden + head + d] = acc / sum;
    }
}

// Rows first_row.. of k and v (positions first_position..) into the pool rows their block table
// gives; one item per element. The caller starts at the first of a sequence's last
// table_length * block_size rows, so no two items write the same row.
kernel void cache_write(global const float* k, global const float* v,
                        global float* pool_k, global float* pool_v, global const int* tables,
                        int table_offset, int table_length, int block_size, int first_row, int first_position) {
    int c = get_global_id(0);
    int r = first_row + get_global_id(1);
    int hidden = get_global_size(0);
    int row = pool_row(tables + table_offset, table_length, block_size, first_position + get_global_id(1));
    pool_k[row * hidden + c] = k[r * hidden + c];
    pool_v[row * hidden + c] = v[r * hidden + c];
}
