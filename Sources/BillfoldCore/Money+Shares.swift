/// Splitting one charge among the resources that ran up its usage, exactly to the minor unit.
extension Money {
    /// This amount shared among `resources` in proportion to their quantities, in the order given; the shares
    /// add up to this amount exactly.
    ///
    /// The largest-remainder method: each share is first this amount × its quantity ÷ the total quantity, cut
    /// toward zero to a minor unit; the minor units left over then go one each to the shares that lost the most
    /// in the cut, and between shares that lost as much, to the resource whose name sorts first. The same
    /// amount and resources always give the same shares, whatever order the resources (named apart) come in.
    ///
    /// Throws when there is nothing to share by: no resources, a negative quantity, or a total of zero.
    package func shares(
        among resources: [(resourceName: String, quantity: FixedDecimal)]
    ) throws(MoneyError) -> [Money] {
        var totalQuantity: Int128 = 0
        for resource in resources {
            guard !resource.quantity.isNegative else {
                throw MoneyError(message: "\(resource.resourceName) has a negative quantity; a charge cannot be shared")
            }
            totalQuantity += Int128(resource.quantity.scaledValue)
        }
        guard totalQuantity > 0 else {
            throw MoneyError(message: "a charge cannot be shared among resources that used nothing")
        }
        // The magnitude is shared and the sign put back, so a credit is cut toward zero just as a charge is.
        let magnitude = Int128(self.minorUnits.magnitude)
        var shares: [Int128] = []
        var remainders: [Int128] = []
        for resource in resources {
            // At most 2^63 × 2^63: well inside an Int128.
            let product = magnitude * Int128(resource.quantity.scaledValue)
            shares.append(product / totalQuantity)
            remainders.append(product % totalQuantity)
        }
        // Fewer minor units than there are resources, since each cut loses less than one.
        let leftover = magnitude - shares.reduce(0, +)
        let order = resources.indices.sorted { left, right in
            if remainders[left] != remainders[right] { return remainders[left] > remainders[right] }
            if resources[left].resourceName != resources[right].resourceName {
                return resources[left].resourceName < resources[right].resourceName
            }
            return left < right
        }
        for index in order.prefix(Int(leftover)) {
            shares[index] += 1
        }
        let sign: Int128 = self.minorUnits < 0 ? -1 : 1
        // Each share is at most this amount's magnitude, so it fits where this amount did.
        return shares.map { Money(minorUnits: Int64(sign * $0), currency: self.currency) }
    }
}
