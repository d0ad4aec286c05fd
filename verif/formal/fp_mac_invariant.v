// The accumulator values an fp_mac step proof starts from: `held` is 1 for the canonical
// NaN, either infinity, and every finite value that is a whole multiple of 2^QUANTUM
// and at most 2^BOUND in magnitude.  The proof also shows that this set holds +0 and is
// closed under the reference's step, so it holds every value the accumulator can reach
// from reset; the unit may rely on nothing more (docs/units.md section 6.2).
module fp_mac_invariant #(
    parameter integer ACC_EXPONENT_BITS = 5,
    parameter integer ACC_MANTISSA_BITS = 10,
    parameter integer QUANTUM = -24,
    parameter integer BOUND = 16
) (
    input  wire [ACC_EXPONENT_BITS+ACC_MANTISSA_BITS:0] acc,
    output reg  held
);
    localparam integer AE = ACC_EXPONENT_BITS;
    localparam integer AM = ACC_MANTISSA_BITS;
    localparam integer AW = AE + AM + 1;
    localparam integer ACC_BIAS = (1 << (AE - 1)) - 1;
    localparam [AE-1:0] EXPONENT_ONES = {AE{1'b1}};
    localparam [AW-1:0] CANONICAL_NAN = {1'b0, EXPONENT_ONES, 1'b1, {AM-1{1'b0}}};
    localparam [AM:0] SIGNIFICAND_ONE = {{AM{1'b0}}, 1'b1};

    wire [AE-1:0] exponent = acc[AW-2:AM];
    wire [AM-1:0] mantissa = acc[AM-1:0];
    wire [AM:0] significand = {exponent != 0, mantissa};
    integer place;     // exponent of the significand's last place
    integer leading;   // exponent of the implicit bit (a subnormal's is below its value)

    always @* begin
        place = {{32-AE{1'b0}}, exponent};
        if (exponent == 0) place = 1;
        leading = place - ACC_BIAS;
        place = leading - AM;
        if (exponent == EXPONENT_ONES)
            held = acc == CANONICAL_NAN || mantissa == 0;
        else
            held = (place >= QUANTUM
                    || (significand & ((SIGNIFICAND_ONE << (QUANTUM - place)) - SIGNIFICAND_ONE)) == 0)
                   && (leading < BOUND || (leading == BOUND && mantissa == 0));
    end
endmodule
