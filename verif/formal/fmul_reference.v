// Exact multiplier reference: the rules of docs/units.md section 4 written out on the
// exact product.  Each operand is read as an integer significand times a power of two
// (a subnormal's significand simply lacks the implicit one), the significands multiply
// with `*`, and the exact product is rounded to nearest even on the grid of the result:
// the result's last place is the leading bit's weight less M bits, but never finer than
// the subnormal spacing.  The generator's datapath (operands normalized before the
// multiplier, one-bit normalization, a clamped denormalizing shift with a prefix-OR
// sticky, rounding on the packed fields) is deliberately not followed.
module fmul_reference #(
    parameter integer EXPONENT_BITS = 4,
    parameter integer MANTISSA_BITS = 3,
    parameter [0:0] FINITE_ONLY = 1'b1,  // kind fn: no infinities, one NaN magnitude
    parameter [0:0] SATURATE = 1'b0
) (
    input  wire [EXPONENT_BITS+MANTISSA_BITS:0] a,
    input  wire [EXPONENT_BITS+MANTISSA_BITS:0] b,
    output reg  [EXPONENT_BITS+MANTISSA_BITS:0] y
);
    localparam integer E = EXPONENT_BITS;
    localparam integer M = MANTISSA_BITS;
    localparam integer W = E + M + 1;
    localparam integer BIAS = (1 << (E - 1)) - 1;
    // Exponent of a subnormal's last place, the finest spacing the format has.
    localparam integer LAST_PLACE_MIN = 1 - BIAS - M;
    // The exact product of two (M+1)-bit significands.
    localparam integer PW = 2 * M + 2;
    // A rounded magnitude as a packed pattern, with room above the exponent field for
    // a count of up to 2^E last places (larger products overflow however they round),
    // and for every bit of the product.
    localparam integer RW = (E + M + 3 > PW + 1) ? E + M + 3 : PW + 1;
    localparam [E-1:0] EXPONENT_ONES = {E{1'b1}};
    localparam [M-1:0] MANTISSA_ONES = {M{1'b1}};
    localparam [W-2:0] ALL_ONES = {EXPONENT_ONES, MANTISSA_ONES};
    localparam [W-2:0] MAX_FINITE = FINITE_ONLY ? ALL_ONES - 1'b1
                                                : {EXPONENT_ONES - 1'b1, MANTISSA_ONES};
    localparam [W-2:0] INFINITY = {EXPONENT_ONES, {M{1'b0}}};
    localparam [W-1:0] CANONICAL_NAN = FINITE_ONLY ? {1'b0, ALL_ONES}
                                                   : {1'b0, EXPONENT_ONES, 1'b1, {M-1{1'b0}}};
    localparam [PW-1:0] PRODUCT_ONE = {{PW-1{1'b0}}, 1'b1};

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
    wire zero_a = a[W-2:0] == 0;
    wire zero_b = b[W-2:0] == 0;

    // value = significand * 2^place: the implicit one only where the exponent field is
    // nonzero; exponent field 0 weighs as 1.
    wire [M:0] significand_a = {exponent_a != 0, mantissa_a};
    wire [M:0] significand_b = {exponent_b != 0, mantissa_b};
    wire [PW-1:0] product = significand_a * significand_b;

    integer field_a, field_b;  // the exponent fields, 0 weighing as 1
    integer place;      // exponent of the product's bit 0
    integer leading;    // index of the product's leading one
    integer last_place; // exponent of the rounded result's last place
    integer dropped;    // product bits below the result's last place
    reg [PW-1:0] kept;
    reg guard, sticky;
    reg [RW-1:0] rounded;
    integer places;     // the result's last place, in subnormal last places
    reg [RW-1:0] magnitude;
    integer index;

    always @* begin
        field_a = {{32-E{1'b0}}, exponent_a};
        if (exponent_a == 0) field_a = 1;
        field_b = {{32-E{1'b0}}, exponent_b};
        if (exponent_b == 0) field_b = 1;
        place = field_a + field_b - 2 * (BIAS + M);
        leading = 0;
        for (index = 0; index < PW; index = index + 1)
            if (product[index]) leading = index;
        last_place = place + leading - M;
        if (last_place < LAST_PLACE_MIN) last_place = LAST_PLACE_MIN;
        dropped = last_place - place;
        // Keep the bits at and above the last place; the first dropped bit is the guard,
        // the OR of the rest the sticky.
        if (dropped <= 0) begin
            kept = product << (-dropped);
            guard = 1'b0;
            sticky = 1'b0;
        end else if (dropped > PW) begin
            kept = 0;
            guard = 1'b0;
            sticky = product != 0;
        end else begin
            kept = product >> dropped;
            guard = product[dropped - 1];
            sticky = (product & ((PRODUCT_ONE << (dropped - 1)) - PRODUCT_ONE)) != 0;
        end
        rounded = {{RW-PW{1'b0}}, kept} + {{RW-1{1'b0}}, guard && (sticky || kept[0])};
        // Packed, a pattern's exponent field counts last places above the subnormal
        // one: the field of a normal result is its last place's distance from there
        // plus the implicit one that `rounded` carries (a carry out of the mantissa moves
        // into the field by itself).
        places = last_place - LAST_PLACE_MIN;
        if (places > (1 << E))
            magnitude = {RW{1'b1}};  // beyond any field: an overflow however it rounds
        else
            magnitude = {places[RW-M-1:0], {M{1'b0}}} + rounded;

        if (nan_a || nan_b)
            y = CANONICAL_NAN;
        else if (inf_a || inf_b)
            y = (zero_a || zero_b) ? CANONICAL_NAN : {sign, INFINITY};
        else if (zero_a || zero_b)
            y = {sign, {W-1{1'b0}}};
        else if (magnitude > {{RW-W+1{1'b0}}, MAX_FINITE})
            y = SATURATE ? {sign, MAX_FINITE} : FINITE_ONLY ? CANONICAL_NAN : {sign, INFINITY};
        else
            y = {sign, magnitude[W-2:0]};
    end
endmodule
