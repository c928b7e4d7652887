"""Load mix for `bench/loadtest.py`: 50 practitioners opening charts, searching and charting.

Each simulated user holds a bearer token for a practitioner of the synthetic clinic and
works on the patients listed in the fixture file the driver writes. Every session write the
server acknowledges (201) is appended to a log so the driver can check afterwards that each
one is in the database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import threading

from locust import HttpUser, between, task

FIXTURE = json.loads(open(os.environ["IMSCLINIC_LOAD_FIXTURE"]).read())  # noqa: SIM115
ACK_LOG = os.environ["IMSCLINIC_LOAD_ACKS"]
_lock = threading.Lock()
MUSCLES = [
    "lumbar_paraspinals",
    "gluteus_medius",
    "gluteus_maximus",
    "piriformis",
    "tensor_fasciae_latae",
    "peroneus_longus",
    "tibialis_anterior",
    "gastrocnemius",
    "soleus",
    "quadratus_lumborum",
]


class Practitioner(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        login = random.choice(FIXTURE["tokens"])
        self.headers = {"Authorization": f"Bearer {login}"}
        self.patients = FIXTURE["patients"]
        self.writable = FIXTURE["writable"]

    @task(5)
    def open_chart(self) -> None:
        patient = random.choice(self.patients)
        self.client.get(f"/api/v1/patients/{patient}/chart", headers=self.headers, name="chart")

    @task(3)
    def search(self) -> None:
        query = random.choice(FIXTURE["queries"])
        self.client.get(f"/api/v1/patients?q={query}", headers=self.headers, name="search")

    @task(2)
    def record_session(self) -> None:
        target = random.choice(self.writable)
        body = {
            "episode_id": target["episode"],
            "session_date": dt.date.today().isoformat(),
            "pain_before": random.randint(3, 8),
            "pain_after": random.randint(0, 3),
            "insertions": [
                {
                    "muscle": muscle,
                    "side": "left",
                    "level": "L5" if muscle == "lumbar_paraspinals" else "",
                    "needle_lot": "LOT-LOAD",
                    "twitch": random.choice(["strong", "weak", "none"]),
                }
                for muscle in random.sample(MUSCLES, 8)
            ],
            "acknowledged": target["acknowledge"],
        }
        with self.client.post(
            f"/api/v1/patients/{target['patient']}/sessions",
            json=body,
            headers=self.headers,
            name="record session",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                with _lock, open(ACK_LOG, "a") as log:
                    log.write(f"{response.json()['id']}\n")
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
