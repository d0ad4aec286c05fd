// L-Mul reference: the unit's rules from docs/units.md (section 3) written out one by one,
// in their order of priority, on the whole signed integer r = ma + mb - (bias << M) + o.
// It keeps none of the generator's datapath choices (split adder, range checks on the
// exponent sum, per-bit output multiplexers): it exists to be proved equal to them.
module lmul_reference #(
    parameter integer EXPONENT_BITS = 4,
    parameter integer MANTISSA_BITS = 3,
    parameter [0:0] FINITE_ONLY = 1'b1,  // kind fn: no infinities, one NaN magnitude
    parameter [0:0] SATURATE = 1'b1
) (
    input  wire [EXPONENT_BITS+MANTISSA_BITS:0] a,
    input  wire [EXPONENT_BITS+MANTISSA_BITS:0] b,
    output reg  [EXPONENT_BITS+MANTISSA_BITS:0] y
);
    localparam integer E = EXPONENT_BITS;
    localparam integer M = MANTISSA_BITS;
    localparam integer W = E + M + 1;
    // r needs one bit more than a magnitude for the sum, and a sign bit.
    localparam integer RW = W + 1;
    localparam integer L = (M <= 3) ? M : ((M == 4) ? 3 : 4);
    localparam [E-1:0] EXPONENT_ONES = {E{1'b1}};
    localparam [M-1:0] MANTISSA_ONES = {M{1'b1}};
    localparam [W-2:0] ALL_ONES = {EXPONENT_ONES, MANTISSA_ONES};
    localparam [W-2:0] MAX_FINITE = FINITE_ONLY ? ALL_ONES - 1'b1
                                                : {EXPONENT_ONES - 1'b1, MANTISSA_ONES};
    localparam [W-2:0] INFINITY = {EXPONENT_ONES, {M{1'b0}}};
    localparam [W-1:0] CANONICAL_NAN = FINITE_ONLY ? {1'b0, ALL_ONES}
                                                   : {1'b0, EXPONENT_ONES, 1'b1, {M-1{1'b0}}};
    localparam [W-1:0] ZERO = {W{1'b0}};
    localparam [RW-1:0] ONE = {{RW-1{1'b0}}, 1'b1};
    // bias = 2^(E-1) - 1: a zero over E-1 ones, here shifted up by M.
    localparam signed [RW-1:0] BIAS_SHIFTED = {3'b000, {E-1{1'b1}}, {M{1'b0}}};
    localparam signed [RW-1:0] OFFSET = ONE << (M - L);
    localparam signed [RW-1:0] MIN_NORMAL = ONE << M;
    localparam signed [RW-1:0] LARGEST = {2'b00, MAX_FINITE};

    wire sign = a[W-1] ^ b[W-1];
    wire [E-1:0] exponent_a = a[W-2:M];
    wire [E-1:0] exponent_b = b[W-2:M];
    wire [M-1:0] mantissa_a = a[M-1:0];
    wire [M-1:0] mantissa_b = b[M-1:0];

    wire nan_a = FINITE_ONLY ? a[W-2:0] == ALL_ONES
                             : exponent_a == EXPONENT_ONES && mantissa_a != 0;
    wire nan_b = FINITE_ONLY ? b[W-2:0] == ALL_ONES
                             : exponent_b == EXPONENT_ONES && mantissa_b != 0;
    wire inf_a = !FINITE_ONLY && exponent_a == EXPONENT_ONES && mantissa_a == 0;
    wire inf_b = !FINITE_ONLY && exponent_b == EXPONENT_ONES && mantissa_b == 0;
    wire flushed = exponent_a == 0 || exponent_b == 0;

    wire signed [RW-1:0] r = $signed({2'b00, a[W-2:0]}) + $signed({2'b00, b[W-2:0]})
                             - BIAS_SHIFTED + OFFSET;

    always @* begin
        if (nan_a || nan_b)
            y = CANONICAL_NAN;
        else if (inf_a || inf_b)
            y = flushed ? CANONICAL_NAN : {sign, INFINITY};
        else if (flushed)
            y = {sign, ZERO[W-2:0]};
        else if (r < MIN_NORMAL)
            y = {sign, ZERO[W-2:0]};
        else if (r > LARGEST)
            y = SATURATE ? {sign, MAX_FINITE} : FINITE_ONLY ? CANONICAL_NAN : {sign, INFINITY};
        else
            y = {sign, r[W-2:0]};
    end
endmodule
