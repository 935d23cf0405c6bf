import BillfoldPayments
import Testing

/// Shaped after Razorpay's documented `payment.captured` sample: many fields Billfold does not read, `notes` as
/// `[]`, empty-string error fields.
private let paymentCaptured = """
    {
      "entity": "event",
      "account_id": "acc_BFQ7uQEaa7j2z7",
      "event": "payment.captured",
      "contains": ["payment"],
      "payload": {
        "payment": {
          "entity": {
            "id": "pay_DESlfW9H8K9uqM",
            "entity": "payment",
            "amount": 118000,
            "currency": "INR",
            "base_amount": 118000,
            "status": "captured",
            "order_id": "order_DESlLckIVRkHWj",
            "invoice_id": null,
            "international": false,
            "method": "card",
            "amount_refunded": 0,
            "amount_transferred": 0,
            "refund_status": null,
            "captured": true,
            "description": null,
            "card_id": "card_DESlfX8BtKqcnq",
            "card": {
              "id": "card_DESlfX8BtKqcnq", "entity": "card", "name": "Gaurav Kumar", "last4": "1111",
              "network": "Visa", "type": "debit", "issuer": null, "international": false, "emi": false,
              "sub_type": "consumer"
            },
            "bank": null,
            "wallet": null,
            "vpa": null,
            "email": "gaurav.kumar@example.com",
            "contact": "+919000090000",
            "notes": [],
            "fee": 2360,
            "tax": 360,
            "error_code": null,
            "error_description": null,
            "error_source": null,
            "error_step": null,
            "error_reason": null,
            "acquirer_data": {"auth_code": "828553", "rrn": "322206890934"},
            "created_at": 1567674797
          }
        }
      },
      "created_at": 1567674806
    }
    """

private let tokenConfirmed = """
    {"entity":"event","account_id":"acc_BFQ7uQEaa7j2z7","event":"token.confirmed","contains":["token"],\
    "payload":{"token":{"entity":{"id":"token_4lsdksD31GaZ09","entity":"token","token":"FHfMuGbkBIrEdN",\
    "bank":"HDFC","method":"upi","recurring":true,"recurring_details":{"status":"confirmed","failure_reason":null},\
    "customer_id":"cust_1Aa00000000004","max_amount":150000,"expired_at":1640975400,"created_at":1629779657}}},\
    "created_at":1629779700}
    """

@Suite("Razorpay webhooks")
struct RazorpayWebhookTests {
    @Test("payment.captured reads as the captured payment, whatever else the payload carries")
    func captured() throws {
        let event = try RazorpayWebhook.decode(body: Array(paymentCaptured.utf8), eventID: "evt_LYeMXpfX4yB5nB")
        #expect(event.id == "evt_LYeMXpfX4yB5nB")
        #expect(event.name == "payment.captured")
        #expect(event.accountID == "acc_BFQ7uQEaa7j2z7")
        #expect(event.createdAt == 1_567_674_806)
        #expect(
            event.payment
                == GatewayPayment(
                    id: "pay_DESlfW9H8K9uqM", orderID: "order_DESlLckIVRkHWj", amount: 118_000, currency: "INR",
                    status: .captured, method: "card", createdAt: 1_567_674_797))
        #expect(event.order == nil)
        #expect(event.refund == nil)
        #expect(event.token == nil)
    }

    @Test("token.confirmed reads as the confirmed mandate")
    func tokenConfirmedEvent() throws {
        let event = try RazorpayWebhook.decode(body: Array(tokenConfirmed.utf8), eventID: "evt_1")
        #expect(
            event.token
                == GatewayToken(
                    id: "token_4lsdksD31GaZ09", customerID: "cust_1Aa00000000004", method: "upi", status: .confirmed,
                    maxAmount: 150_000, expiredAt: 1_640_975_400))
    }

    @Test(
        "an event Billfold does not use is reported by name, with the members it does read",
        arguments: [
            // A payload member Billfold has no type for, next to one it has.
            #"""
            {"entity":"event","account_id":"acc_1","event":"payment.dispute.created","contains":["payment","dispute"],
             "payload":{"dispute":{"entity":{"id":"disp_1","entity":"dispute","amount":118000,"phase":"chargeback"}},
             "payment":{"entity":{"id":"pay_1","entity":"payment","amount":118000,"currency":"INR","status":"captured",
             "amount_refunded":0,"captured":true,"notes":{},"created_at":1}}},"created_at":2}
            """#,
            // A member whose key Billfold never looks at.
            #"""
            {"entity":"event","account_id":"acc_1","event":"payment.downtime.started","contains":["payment.downtime"],
             "payload":{"payment.downtime":{"entity":{"id":"down_1","method":"upi","status":"started"}}},"created_at":2}
            """#,
            // A member Billfold reads for other events, in a shape it cannot read.
            #"""
            {"entity":"event","account_id":"acc_1","event":"settlement.processed","contains":["settlement"],
             "payload":{"payment":{"entity":{"id":"pay_1","status":"settled"}},"settlement":{"entity":{"id":"setl_1"}}},
             "created_at":2}
            """#,
            // No payload at all.
            #"{"entity":"event","event":"account.instantly_activated","contains":[],"created_at":2}"#,
        ])
    func unknownEvent(_ body: String) throws {
        let event = try RazorpayWebhook.decode(body: Array(body.utf8), eventID: "evt_2")
        #expect(!event.name.isEmpty)
        #expect(event.createdAt == 2)
        #expect(event.order == nil && event.refund == nil && event.token == nil)
        if event.name == "payment.dispute.created" {
            #expect(event.payment?.id == "pay_1")
        } else {
            #expect(event.payment == nil)
        }
    }

    @Test(
        "what is not a Razorpay event is .invalidResponse, saying what is wrong",
        arguments: [
            ("not json at all", "webhook: not JSON"),
            ("", "webhook: not JSON"),
            ("[]", "webhook: document is not an object"),
            (#"{"entity":"event","event":"payment.captured"}"#, "webhook: no created_at"),
            (#"{"entity":"order","event":"payment.captured","created_at":1}"#, "webhook: entity is order, not event"),
            (
                #"{"entity":"event","event":"payment.failed","contains":["payment"],"created_at":1,"#
                    + #""payload":{"payment":{"entity":{"id":"pay_1","entity":"payment","status":"failed"}}}}"#,
                "webhook payment.failed: no payload.payment.entity.amount"
            ),
            (
                #"{"entity":"event","event":"refund.processed","contains":["refund"],"created_at":1,"payload":{"refund":"#
                    + #"{"entity":{"id":"rfnd_1","entity":"refund","amount":1,"currency":"INR","payment_id":"pay_1","#
                    + #""status":"reversed","notes":[],"created_at":1}}}}"#,
                "refund rfnd_1 has status reversed"
            ),
        ])
    func garbage(_ body: String, message: String) {
        let error = #expect(throws: GatewayError.self) {
            try RazorpayWebhook.decode(body: Array(body.utf8), eventID: "evt_3")
        }
        #expect(error == .invalidResponse(message))
    }

    @Test("a delivery without its event id is refused: it could not be de-duplicated")
    func missingEventID() {
        let error = #expect(throws: GatewayError.self) {
            try RazorpayWebhook.decode(body: Array(paymentCaptured.utf8), eventID: "")
        }
        #expect(error == .invalidResponse("webhook: no x-razorpay-event-id header"))
    }

    @Test("the header names are Razorpay's")
    func headers() {
        #expect(RazorpayWebhook.eventIDHeader == "x-razorpay-event-id")
        #expect(RazorpayWebhook.signatureHeader == "X-Razorpay-Signature")
    }
}
