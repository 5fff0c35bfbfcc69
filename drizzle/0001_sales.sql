CREATE TABLE "allotments" (
	"event_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"taken" integer NOT NULL,
	CONSTRAINT "allotments_event_id_user_id_pk" PRIMARY KEY("event_id","user_id"),
	CONSTRAINT "allotments_taken_check" CHECK ("allotments"."taken" >= 0)
);
--> statement-breakpoint
CREATE TABLE "holds" (
	"id" uuid PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"seat_ids" uuid[],
	"unit_price_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"admission_id" text,
	"state" text DEFAULT 'active' NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "holds_quantity_check" CHECK ("holds"."quantity" > 0),
	CONSTRAINT "holds_state_check" CHECK ("holds"."state" IN ('active', 'ordered', 'sold', 'released', 'expired'))
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"user_id" uuid NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"state" text DEFAULT 'running' NOT NULL,
	"response_status" integer,
	"response_body" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_user_id_key_pk" PRIMARY KEY("user_id","key"),
	CONSTRAINT "idempotency_keys_state_check" CHECK ("idempotency_keys"."state" IN ('running', 'done'))
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"hold_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"amount_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"status" text DEFAULT 'pending_payment' NOT NULL,
	"payment_token" text NOT NULL,
	"payment_ref" text,
	"failure_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orders_status_check" CHECK ("orders"."status" IN ('pending_payment', 'paid', 'payment_failed', 'expired', 'refunded')),
	CONSTRAINT "orders_amount_check" CHECK ("orders"."amount_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"order_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"provider_ref" text NOT NULL,
	"amount_cents" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_kind_check" CHECK ("payments"."kind" IN ('capture', 'refund'))
);
--> statement-breakpoint
CREATE TABLE "seats" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"section" text NOT NULL,
	"row" text NOT NULL,
	"number" integer NOT NULL,
	"state" text DEFAULT 'available' NOT NULL,
	"hold_id" uuid,
	CONSTRAINT "seats_state_check" CHECK ("seats"."state" IN ('available', 'held', 'sold')),
	CONSTRAINT "seats_hold_check" CHECK (("seats"."state" = 'available') = ("seats"."hold_id" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "webhook_receipts" (
	"id" text PRIMARY KEY NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "holds_expiry_idx" ON "holds" USING btree ("expires_at") WHERE "holds"."state" IN ('active', 'ordered');--> statement-breakpoint
CREATE INDEX "holds_event_expiry_idx" ON "holds" USING btree ("event_id","expires_at") WHERE "holds"."state" IN ('active', 'ordered');--> statement-breakpoint
CREATE INDEX "orders_user_idx" ON "orders" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "orders_hold_idx" ON "orders" USING btree ("hold_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_order_kind_key" ON "payments" USING btree ("order_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "seats_place_key" ON "seats" USING btree ("event_id","section","row","number");--> statement-breakpoint
CREATE INDEX "seats_hold_idx" ON "seats" USING btree ("hold_id");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("id") WHERE "outbox"."published_at" IS NULL;