CREATE TABLE "queue_frontiers" (
	"event_id" text PRIMARY KEY NOT NULL,
	"epoch" integer DEFAULT 1 NOT NULL,
	"last_number" bigint DEFAULT 0 NOT NULL,
	"number_ceiling" bigint DEFAULT 0 NOT NULL,
	"serving_number" bigint DEFAULT 0 NOT NULL,
	"admitted" bigint DEFAULT 0 NOT NULL,
	"admission_ceiling" bigint DEFAULT 0 NOT NULL,
	"admissions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"pre_queue" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
