"""Operations on a mastra_data database: compatibility check, statistics, retention, demo."""
