// fp_mac step reference: one enabled operation of docs/units.md section 6,
// next = RNE_acc((clear ? +0 : acc) + p), written out on exact values.  Both addends are
// placed as two's complement integers in one fixed-point frame wide enough for every
// accumulator value and every product (bit 0 weighs the finest place either can have),
// added exactly, and the sum is rounded once on the accumulator's grid.  Nothing is
// aligned to the larger operand, no sticky bit is taken before the addition, and no
// operand is swapped: the generator's single-path adder is deliberately not followed.
module fp_mac_step_reference #(
    parameter integer IN_EXPONENT_BITS = 4,
    parameter integer IN_MANTISSA_BITS = 3,
    parameter [0:0] IN_FINITE_ONLY = 1'b1,  // kind fn: no infinities, one NaN magnitude
    parameter integer ACC_EXPONENT_BITS = 5,
    parameter integer ACC_MANTISSA_BITS = 10,
    parameter [0:0] LMUL = 1'b0  // the product: 0 exact, 1 L-Mul before any clamp
) (
    input  wire [ACC_EXPONENT_BITS+ACC_MANTISSA_BITS:0] acc,
    input  wire [IN_EXPONENT_BITS+IN_MANTISSA_BITS:0] a,
    input  wire [IN_EXPONENT_BITS+IN_MANTISSA_BITS:0] b,
    input  wire clear,
    output reg  [ACC_EXPONENT_BITS+ACC_MANTISSA_BITS:0] next
);
    localparam integer E = IN_EXPONENT_BITS;
    localparam integer M = IN_MANTISSA_BITS;
    localparam integer W = E + M + 1;
    localparam integer BIAS = (1 << (E - 1)) - 1;
    localparam integer AE = ACC_EXPONENT_BITS;
    localparam integer AM = ACC_MANTISSA_BITS;
    localparam integer AW = AE + AM + 1;
    localparam integer ACC_BIAS = (1 << (AE - 1)) - 1;
    // The accumulator's finest last place (a subnormal's) and its largest leading bit.
    localparam integer ACC_PLACE_MIN = 1 - ACC_BIAS - AM;
    localparam integer ACC_TOP = (1 << AE) - 2 - ACC_BIAS;
    // L-Mul (section 3): l(M), the offset o in mantissa LSBs, and r's extremes, reached
    // by two smallest normals and by two largest exponent-and-mantissa patterns.
    localparam integer L = (M <= 3) ? M : ((M == 4) ? 3 : 4);
    localparam integer OFFSET = 1 << (M - L);
    localparam integer R_MIN = 2 * (1 << M) - (BIAS << M) + OFFSET;
    localparam integer R_MAX = 2 * ((1 << (E + M)) - 1) - (BIAS << M) + OFFSET;
    // A product's last place and its leading bit at the extremes: exact, two smallest
    // subnormals' last places and two largest significands (2M+2 bits) at the top
    // exponent; L-Mul, M bits below 2^floor(r / 2^M).
    localparam integer PRODUCT_PLACE_MIN = LMUL ? (R_MIN >>> M) - BIAS - M
                                                : 2 * (1 - BIAS - M);
    localparam integer PRODUCT_TOP = LMUL ? (R_MAX >>> M) - BIAS
                                          : 2 * ((1 << E) - 1 - BIAS) + 1;
    localparam integer LOW = (ACC_PLACE_MIN < PRODUCT_PLACE_MIN) ? ACC_PLACE_MIN
                                                                 : PRODUCT_PLACE_MIN;
    localparam integer TOP = (ACC_TOP > PRODUCT_TOP) ? ACC_TOP : PRODUCT_TOP;
    // Frame bit i weighs 2^(LOW + i); above TOP one bit for the sum's carry and the sign.
    localparam integer FW = TOP - LOW + 3;
    localparam integer PW = 2 * M + 2;
    localparam [FW-1:0] FRAME_ONE = {{FW-1{1'b0}}, 1'b1};
    localparam [AE-1:0] ACC_EXPONENT_ONES = {AE{1'b1}};
    localparam [AW-2:0] ACC_MAX_FINITE = {ACC_EXPONENT_ONES - 1'b1, {AM{1'b1}}};
    localparam [AW-2:0] ACC_INFINITY = {ACC_EXPONENT_ONES, {AM{1'b0}}};
    localparam [AW-1:0] ACC_CANONICAL_NAN = {1'b0, ACC_EXPONENT_ONES, 1'b1, {AM-1{1'b0}}};
    localparam [E-1:0] EXPONENT_ONES = {E{1'b1}};
    localparam [W-2:0] ALL_ONES = {EXPONENT_ONES, {M{1'b1}}};

    // -- the operands and their product -------------------------------------------------
    wire product_sign = a[W-1] ^ b[W-1];
    wire [E-1:0] exponent_a = a[W-2:M];
    wire [E-1:0] exponent_b = b[W-2:M];
    wire nan_a = IN_FINITE_ONLY ? a[W-2:0] == ALL_ONES
                                : exponent_a == EXPONENT_ONES && a[M-1:0] != 0;
    wire nan_b = IN_FINITE_ONLY ? b[W-2:0] == ALL_ONES
                                : exponent_b == EXPONENT_ONES && b[M-1:0] != 0;
    wire inf_a = !IN_FINITE_ONLY && exponent_a == EXPONENT_ONES && a[M-1:0] == 0;
    wire inf_b = !IN_FINITE_ONLY && exponent_b == EXPONENT_ONES && b[M-1:0] == 0;
    wire zero_a = a[W-2:0] == 0;
    wire zero_b = b[W-2:0] == 0;
    // Exact: a zero times infinity is NaN.  L-Mul: every exponent-field-0 operand is a
    // zero (steps 2 and 3 of section 3), a subnormal times infinity included.
    wire flushed = exponent_a == 0 || exponent_b == 0;
    wire product_nan = nan_a || nan_b
                       || ((inf_a || inf_b) && (LMUL ? flushed : zero_a || zero_b));
    wire product_inf = !product_nan && (inf_a || inf_b);
    wire product_zero = LMUL ? flushed : zero_a || zero_b;

    // -- the accumulator ----------------------------------------------------------------
    wire [AW-1:0] addend = clear ? {AW{1'b0}} : acc;
    wire acc_sign = addend[AW-1];
    wire [AE-1:0] acc_exponent = addend[AW-2:AM];
    wire acc_nan = acc_exponent == ACC_EXPONENT_ONES && addend[AM-1:0] != 0;
    wire acc_inf = acc_exponent == ACC_EXPONENT_ONES && addend[AM-1:0] == 0;
    wire [AM:0] acc_significand = {acc_exponent != 0, addend[AM-1:0]};

    integer field_a, field_b, product_place, acc_place;
    integer r;  // L-Mul's r
    reg [PW-1:0] product_significand;
    reg [FW-1:0] product_term, acc_term, total, magnitude;
    reg sign;
    integer leading, last_place, dropped, places, index;
    reg [FW-1:0] kept, rounded;
    reg guard, sticky;
    reg [FW-1:0] packed_magnitude;

    always @* begin
        // p = product_significand * 2^product_place.
        field_a = {{32-E{1'b0}}, exponent_a};
        if (exponent_a == 0) field_a = 1;
        field_b = {{32-E{1'b0}}, exponent_b};
        if (exponent_b == 0) field_b = 1;
        r = {{32-W+1{1'b0}}, a[W-2:0]};
        r = r + {{32-W+1{1'b0}}, b[W-2:0]} - (BIAS << M) + OFFSET;
        if (LMUL) begin
            product_significand = {{PW-M-1{1'b0}}, 1'b1, r[M-1:0]};
            product_place = (r >>> M) - BIAS - M;  // floor(r / 2^M), toward minus infinity
        end else begin
            product_significand = {exponent_a != 0, a[M-1:0]} * {exponent_b != 0, b[M-1:0]};
            product_place = field_a + field_b - 2 * (BIAS + M);
        end
        if (product_zero) product_significand = 0;
        acc_place = {{32-AE{1'b0}}, acc_exponent};
        if (acc_exponent == 0) acc_place = 1;
        acc_place = acc_place - ACC_BIAS - AM;

        // The exact sum, two's complement in the frame.
        product_term = {{FW-PW{1'b0}}, product_significand} << (product_place - LOW);
        acc_term = {{FW-AM-1{1'b0}}, acc_significand} << (acc_place - LOW);
        total = (product_sign ? -product_term : product_term)
              + (acc_sign ? -acc_term : acc_term);
        magnitude = total[FW-1] ? -total : total;
        // An exactly zero sum is +0 unless both addends are -0; otherwise the sum's sign,
        // kept when it rounds to zero.
        sign = total == 0 ? acc_sign && product_sign : total[FW-1];

        // One rounding, nearest even, on the accumulator's grid: the last place lies AM
        // bits below the leading one, but never below the subnormal last place.
        leading = 0;
        for (index = 0; index < FW; index = index + 1)
            if (magnitude[index]) leading = index;
        last_place = LOW + leading - AM;
        if (last_place < ACC_PLACE_MIN) last_place = ACC_PLACE_MIN;
        dropped = last_place - LOW;
        if (dropped == 0) begin
            kept = magnitude;
            guard = 1'b0;
            sticky = 1'b0;
        end else begin
            kept = magnitude >> dropped;
            guard = magnitude[dropped - 1];
            sticky = (magnitude & ((FRAME_ONE << (dropped - 1)) - FRAME_ONE)) != 0;
        end
        rounded = kept + {{FW-1{1'b0}}, guard && (sticky || kept[0])};
        // Packed: the exponent field counts last places above the subnormal one, and
        // `rounded` brings the implicit one (a mantissa carry moves into the field).
        places = last_place - ACC_PLACE_MIN;
        packed_magnitude = ({{FW-32{1'b0}}, places} << AM) + rounded;

        if (acc_nan || product_nan || (acc_inf && product_inf && acc_sign != product_sign))
            next = ACC_CANONICAL_NAN;
        else if (acc_inf)
            next = {acc_sign, ACC_INFINITY};
        else if (product_inf)
            next = {product_sign, ACC_INFINITY};
        else if (packed_magnitude > {{FW-AW+1{1'b0}}, ACC_MAX_FINITE})
            next = {sign, ACC_INFINITY};
        else
            next = {sign, packed_magnitude[AW-2:0]};
    end
endmodule
