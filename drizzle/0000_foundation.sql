CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text DEFAULT 'customer' NOT NULL,
	"display_name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_role_check" CHECK ("users"."role" IN ('customer', 'admin'))
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"sales_open_at" timestamp with time zone NOT NULL,
	"capacity" integer NOT NULL,
	"sold" integer DEFAULT 0 NOT NULL,
	"seat_map" jsonb,
	"price_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"per_user_limit" integer DEFAULT 4 NOT NULL,
	"queue_enabled" boolean DEFAULT true NOT NULL,
	"queue_state" text DEFAULT 'open' NOT NULL,
	"admission_rate_per_sec" integer DEFAULT 100 NOT NULL,
	"max_active" integer DEFAULT 1000 NOT NULL,
	"shuffle_at_open" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_capacity_check" CHECK ("events"."capacity" > 0),
	CONSTRAINT "events_sold_check" CHECK ("events"."sold" >= 0 AND "events"."sold" <= "events"."capacity"),
	CONSTRAINT "events_price_check" CHECK ("events"."price_cents" >= 0),
	CONSTRAINT "events_currency_check" CHECK ("events"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "events_per_user_limit_check" CHECK ("events"."per_user_limit" > 0),
	CONSTRAINT "events_queue_state_check" CHECK ("events"."queue_state" IN ('open', 'paused', 'closed')),
	CONSTRAINT "events_admission_rate_check" CHECK ("events"."admission_rate_per_sec" > 0),
	CONSTRAINT "events_max_active_check" CHECK ("events"."max_active" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));