// Prints the Stripe-Signature header Stripe's official Node library computes for a payload (stdin) and a webhook
// secret (argv[2]) at a Unix time (argv[3]): stripe.webhooks.generateTestHeaderString, the library's own test helper.
'use strict';
const Stripe = require('stripe');

const secret = process.argv[2];
const timestamp = process.argv[3] ? Number(process.argv[3]) : undefined;
let payload = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { payload += chunk; });
process.stdin.on('end', () => {
  const stripe = new Stripe('sk_test_unused');
  process.stdout.write(stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }));
});
